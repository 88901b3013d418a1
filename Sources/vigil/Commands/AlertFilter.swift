import ArgumentParser
import VigilRules

/// Which alerts `vigil tail` shows: any of the given rules, at least a severity, about a key.
struct AlertFilter {
    var rules: Set<String> = []
    var minimumSeverity: Severity?
    var key: String?

    /// - Parameter messageKey: the Kafka message key, which `key` may match as well as any key value.
    func admits(_ alert: AlertLine, messageKey: String?) -> Bool {
        if !rules.isEmpty, !rules.contains(alert.ruleID) { return false }
        if let minimumSeverity {
            guard let severity = Severity(rawValue: alert.severity), severity >= minimumSeverity else { return false }
        }
        if let key { return messageKey == key || alert.keyValues.contains(key) }
        return true
    }
}

extension Severity: ExpressibleByArgument {}
