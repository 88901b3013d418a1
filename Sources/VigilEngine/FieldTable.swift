import VigilRules
import VigilValues

/// The fields the decoder extracts: the plan's, plus the entity fields that key alerts of rules
/// without an aggregate.
struct FieldTable {
    /// Tried in order for a rule with no aggregate: the first present one keys its alert.
    static let entityFieldNames = ["card_id", "account_id", "customer_id"]

    let specs: [FieldSpec]
    let entityFields: [FieldID]

    init(plan: RulePlan) {
        var specs = plan.fields
        var entityFields: [FieldID] = []
        for name in Self.entityFieldNames {
            if let index = specs.firstIndex(where: { $0.name == name }) {
                entityFields.append(FieldID(index))
            } else {
                entityFields.append(FieldID(specs.count))
                specs.append(FieldSpec(name: name, type: .string))
            }
        }
        self.specs = specs
        self.entityFields = entityFields
    }
}
