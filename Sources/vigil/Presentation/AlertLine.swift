import Foundation

/// One alert as a terminal row: event time, severity, rule, key, value against threshold, event id.
struct AlertLine {
    static let header = [
        "EVENT TIME".padding(24), "SEVERITY", "RULE".padding(26), "KEY".padding(24), "OBSERVED".padding(22), "EVENT",
    ].joined(separator: " ")

    let alertID: String
    let ruleID: String
    let severity: String
    let eventTime: String
    let key: String
    /// The values of the alert's key fields, for `vigil tail --key`.
    let keyValues: [String]
    let condition: String
    let eventID: String
    let isShadow: Bool

    /// Reads an alert message; nil when it is not an alert object.
    init?(json bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let alertID = object["alert_id"] as? String, let ruleID = object["rule_id"] as? String
        else { return nil }
        self.alertID = alertID
        self.ruleID = ruleID
        self.severity = object["severity"] as? String ?? "?"
        self.eventTime = object["event_ts"] as? String ?? "?"
        self.eventID = object["event_id"] as? String ?? "?"
        self.isShadow = object["mode"] as? String == "shadow"
        let key = object["key"] as? [String: Any] ?? [:]
        self.key = key.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        self.keyValues = key.sorted { $0.key < $1.key }.map { Self.text($0.value) }
        let observed = (object["observed"]).map(Self.text) ?? "?"
        let threshold = (object["threshold"]).map(Self.text) ?? "?"
        self.condition = "\(observed) vs \(threshold)"
    }

    var rendered: String {
        [
            Style.dim(eventTime.padding(24)), Style.severity(severity), Style.bold(ruleID.padding(26)),
            Style.cyan(key.padding(24)), condition.padding(22), Style.dim(eventID),
        ].joined(separator: " ") + (isShadow ? Style.magenta(" (shadow)") : "")
    }

    private static func text(_ value: Any) -> String {
        switch value {
        case is NSNull: "-"
        case let number as NSNumber: number.stringValue
        default: "\(value)"
        }
    }
}
