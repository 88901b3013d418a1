import VigilValues

/// One alert as a terminal row: event time, severity, rule, key, value against threshold, event id;
/// with `explained`, the lines under it that say why it fired.
struct AlertLine {
    static let header = [
        "EVENT TIME".padding(24), "SEVERITY", "RULE".padding(26), "KEY".padding(24), "OBSERVED".padding(22), "EVENT",
    ].joined(separator: " ")

    let message: AlertMessage

    var alertID: String { message.alertID }
    var ruleID: String { message.ruleID }
    var severity: String { message.severity ?? "?" }
    var isShadow: Bool { message.mode == "shadow" }

    /// The key fields as `field=value`, in field order.
    var key: String {
        message.key.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.plainText)" }.joined(separator: ",")
    }

    /// The values of the alert's key fields, for `vigil tail --key`.
    var keyValues: [String] {
        message.key.sorted { $0.key < $1.key }.map(\.value.plainText)
    }

    /// Observed value and threshold joined by the rule's operator (`6 > 5`, `10 >= 10`), so that a
    /// firing at equality reads as one; `vs` when the alert does not say which comparison it was.
    var comparison: String {
        let op = message.explanation?.conditions.first { $0.text == message.condition }?.op ?? "vs"
        return "\(message.observed?.plainText ?? "?") \(op) \(message.threshold?.plainText ?? "?")"
    }

    /// Reads an alert message; nil when it is not an alert object.
    init?(json bytes: [UInt8]) {
        guard let message = AlertMessage(json: bytes) else { return nil }
        self.message = message
    }

    var rendered: String {
        var row = [
            Style.dim((message.eventTime ?? "?").padding(24)), Style.severity(severity), Style.bold(ruleID.padding(26)),
            Style.cyan(key.padding(24)), comparison.padding(22), Style.dim(message.eventID ?? "?"),
        ].joined(separator: " ")
        if let suppressed = message.suppressedFirings, suppressed > 0 { row += Style.yellow(" (+\(suppressed) suppressed)") }
        if isShadow { row += Style.magenta(" (shadow)") }
        return row
    }

    /// The row and, indented under it, why the alert fired: the rule's description, every comparison
    /// with the value of each side and whether it held, every aggregate with its window, every table
    /// read with its key, the fields read, the rule-set version, the firings the cooldown held back,
    /// and where the event was read.
    var explained: String {
        var lines = [rendered]
        let indent = "    "
        func add(_ label: String, _ text: String) { lines.append(indent + Style.dim(label.padding(11)) + text) }
        if let description = message.description { lines.append(indent + description) }
        let explanation = message.explanation
        for (index, condition) in (explanation?.conditions ?? []).enumerated() {
            let values = "\(condition.left?.ruleText ?? "-") \(condition.op) \(condition.right?.ruleText ?? "-")"
            add(index == 0 ? "compared" : "", "\(condition.text)  →  \(values)\(Self.verdict(condition.holds))")
        }
        for (index, aggregate) in (explanation?.aggregates ?? []).enumerated() {
            add(index == 0 ? "aggregates" : "", "\(aggregate.text) = \(aggregate.value?.plainText ?? "-")" + Self.window(aggregate.window))
        }
        for (index, lookup) in (explanation?.lookups ?? []).enumerated() {
            let source = lookup.isDefault == true ? "  (default row)" : ""
            let read = "\(lookup.text) = \(lookup.value?.plainText ?? "-") for key \(lookup.key?.ruleText ?? "-")"
            add(index == 0 ? "tables" : "", read + source)
        }
        if let fields = explanation?.fields, !fields.isEmpty {
            add("fields", fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.plainText)" }.joined(separator: "  "))
        }
        let suppressed = message.suppressedFirings.map { "\($0) firing\($0 == 1 ? "" : "s") held back by the cooldown since the previous alert" }
        add("rule set", [message.rulesetVersion ?? "?", suppressed].compactMap { $0 }.joined(separator: "  ·  "))
        let source = message.source.map { "\($0.topic)[\($0.partition)] offset \($0.offset)" }
        let detected = message.detectedAt.map { "detected \($0)" }
        add("source", [source, detected, "alert \(alertID)"].compactMap { $0 }.joined(separator: "  ·  "))
        return lines.joined(separator: "\n")
    }

    private static func verdict(_ holds: Bool?) -> String {
        switch holds {
        case true?: Style.bold("  held")
        case false?: Style.dim("  did not hold")
        case nil: ""
        }
    }

    /// ` over 5m, (start, end]` in UTC, the window being exclusive of its start.
    private static func window(_ window: AlertMessage.Window?) -> String {
        guard let window else { return "" }
        let duration = window.durationMilliseconds.map { " over \(ReadableDuration.text(milliseconds: $0))" } ?? ""
        return "\(duration), (\(window.startExclusive ?? "?"), \(window.end ?? "?")]"
    }
}
