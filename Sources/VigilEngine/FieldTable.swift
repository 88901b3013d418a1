import VigilRules
import VigilValues

/// The fields the decoder extracts: the plan's, the entity fields that key alerts of rules without
/// an aggregate, and any field the engine's owner asked for (to route the event on, say).
struct FieldTable {
    /// Tried in order for a rule with no aggregate: the first present one keys its alert.
    static let entityFieldNames = ["card_id", "account_id", "customer_id"]

    let specs: [FieldSpec]
    let entityFields: [FieldID]
    /// The fields asked for beyond the plan's, kept so a new plan decodes them too.
    let extraFields: [FieldSpec]

    init(plan: RulePlan, alsoDecoding extraFields: [FieldSpec]) {
        var specs = plan.fields
        for extra in extraFields where !specs.contains(where: { $0.name == extra.name }) {
            specs.append(extra)
        }
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
        self.extraFields = extraFields
    }

    /// The position of the field called `name`, if it is decoded.
    func index(named name: String) -> Int? {
        specs.firstIndex { $0.name == name }
    }
}
