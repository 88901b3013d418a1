import VigilEngine
import VigilRules
import VigilValues

/// Where a backtest read its events: what the report says it read, and how an example cites
/// its event.
enum BacktestInput {
    case file(path: String)
    /// `from` is the `--from` argument, nil for the whole topic.
    case topic(name: String, from: String?)

    var description: String {
        switch self {
        case .file(let path): path
        case .topic(let name, let from): "topic \(name)" + (from.map { " from \($0)" } ?? "")
        }
    }

    func citation(of source: EventSource) -> String {
        switch self {
        case .file: "line \(source.offset)"
        case .topic: "\(source.topic)[\(source.partition)] offset \(source.offset)"
        }
    }
}

/// `vigil backtest`'s findings, as text for people and JSON for scripts.
struct BacktestReport {
    let input: BacktestInput
    let base: BacktestTally
    let changed: BacktestTally?
    let elapsed: Duration
    let topKeys: Int
    let listedChanges: Int

    var seconds: Double { ProgressLine.seconds(elapsed) }
    var events: Int { base.engine.statistics.eventsSeen }
    var eventsPerSecond: Int { Int(Double(events) / max(seconds, 0.000_001)) }

    /// Per rule of the compared set: the alerts only the second set raises, and those only the first does.
    var changes: [(ruleID: String, added: [AlertIdentity], removed: [AlertIdentity])] {
        guard let changed else { return [] }
        let added = changed.identities.subtracting(base.identities)
        let removed = base.identities.subtracting(changed.identities)
        let rules = Set(base.engine.plan.rules.map(\.id)).union(changed.engine.plan.rules.map(\.id)).sorted()
        return rules.map { rule in
            (rule, added.filter { $0.ruleID == rule }.sorted(), removed.filter { $0.ruleID == rule }.sorted())
        }
    }

    var text: String {
        var lines = [Style.bold("Backtest of \(base.engine.plan.version) over \(input.description)")]
        lines.append("  events read   \(events) in \(String(format1: seconds)) s (\(eventsPerSecond) events/s)")
        lines.append("  rejected      \(base.engine.statistics.rejected)")
        for (reason, count) in base.rejectedByReason.sorted(by: { $0.key < $1.key }) { lines.append("    \(reason.padding(28)) \(count)") }
        lines.append("  late          \(base.engine.statistics.late)")
        if base.engine.options.maximumTimeAheadMilliseconds != nil {
            lines.append("  ahead         \(base.engine.statistics.aheadOfMessage)")
        }
        lines.append("  alerts        \(base.alertsByRule.values.reduce(0, +))")
        lines += ruleLines(base)
        if !base.examples.isEmpty { lines += ["", Style.bold("Examples")] + base.examples.flatMap(exampleLines) }
        if let changed { lines += ["", Style.bold("Compared with \(changed.engine.plan.version)")] + comparisonLines(changed) }
        return lines.joined(separator: "\n")
    }

    private func ruleLines(_ tally: BacktestTally) -> [String] {
        tally.engine.statistics.rules.enumerated().map { index, counters in
            let rule = tally.engine.plan.rules[index]
            let keys = tally.topKeys(rule.id, limit: topKeys).map { "\($0.key) \($0.count)" }.joined(separator: ", ")
            let mode = rule.mode == .shadow ? Style.magenta(" shadow") : ""
            let held = counters.suppressed > 0 ? Style.dim(" (\(counters.suppressed) held back by cooldown)") : ""
            let top = keys.isEmpty ? "" : Style.dim("  top keys: ") + Style.cyan(keys)
            return "    \(rule.id.padding(28)) \(counters.fired)\(mode)\(held)\(top)"
        }
    }

    private func exampleLines(_ alert: Alert) -> [String] {
        [
            "  \(Style.bold(alert.ruleID)) \(Style.severity(alert.severity.rawValue)) key \(Style.cyan(alert.messageKey)) "
                + "at \(RFC3339.format(milliseconds: alert.eventTime)), event \(alert.eventID) (\(input.citation(of: alert.source)))",
            "    expression  \(alert.explanation.expression.split(whereSeparator: \.isNewline).joined(separator: " "))",
        ] + alert.explanation.traceLines.map { "    " + $0 }
    }

    /// Which payment a changed alert is about, and where it is in the input, to look it up.
    private func changeLine(_ alert: AlertIdentity) -> String {
        "\(alert.key.padding(24)) event \(alert.eventID) at \(RFC3339.format(milliseconds: alert.eventTime)) "
            + "(\(input.citation(of: alert.source))) \(alert.alertID)"
    }

    private func comparisonLines(_ changed: BacktestTally) -> [String] {
        var lines: [String] = []
        for change in changes {
            let before = base.alertsByRule[change.ruleID] ?? 0
            let after = changed.alertsByRule[change.ruleID] ?? 0
            lines.append("    \(change.ruleID.padding(28)) \(before) -> \(after)  +\(change.added.count) -\(change.removed.count)")
            for alert in change.added.prefix(listedChanges) { lines.append(Style.cyan("      + " + changeLine(alert))) }
            for alert in change.removed.prefix(listedChanges) { lines.append(Style.red("      - " + changeLine(alert))) }
            let hidden = max(0, change.added.count - listedChanges) + max(0, change.removed.count - listedChanges)
            if hidden > 0 { lines.append(Style.dim("      … \(hidden) more (--listed-changes)")) }
        }
        return lines
    }
}
