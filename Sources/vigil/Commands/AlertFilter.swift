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

    /// Each restriction in words (`rule a or b`, `severity high or above`, `key c-17`); empty when all alerts pass.
    var descriptions: [String] {
        var parts: [String] = []
        if !rules.isEmpty { parts.append("rule " + rules.sorted().joined(separator: " or ")) }
        if let minimumSeverity { parts.append("severity \(minimumSeverity.rawValue) or above") }
        if let key { parts.append("key \(key)") }
        return parts
    }
}

extension Severity: ExpressibleByArgument {}
