import Foundation
import VigilEngine
import VigilTesting

/// An alert as the tests identify it: its id (derived from rule and event), rule and message key.
struct ExpectedAlert: Hashable, CustomStringConvertible {
    let alertID: String
    let rule: String
    let key: String

    init(rule: String, event: String, key: String) {
        self.alertID = Alert.makeID(ruleID: rule, eventID: event)
        self.rule = rule
        self.key = key
    }

    /// Reads an alert record back; nil if it is not a well-formed alert.
    init?(record: ReadRecord) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any],
            let alertID = object["alert_id"] as? String, let rule = object["rule_id"] as? String, let key = record.key
        else { return nil }
        self.alertID = alertID
        self.rule = rule
        self.key = key
    }

    var description: String { "\(rule)/\(key)/\(alertID.prefix(8))" }
}
