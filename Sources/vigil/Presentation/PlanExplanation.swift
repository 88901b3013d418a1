import Foundation
import VigilEngine
import VigilPipeline
import VigilRules
import VigilValues

/// `vigil rules explain` as text: rules, the tables they read, then the shared aggregators with
/// their estimated state (a state that several aggregators read is shown, and counted, once).
struct PlanExplanation {
    let plan: RulePlan
    let estimate: StateEstimate
    let topology: PipelineTopology

    var rendered: String {
        var lines = [Style.bold("Rule set \(plan.version)") + "  (\(plan.rules.count) rules, \(plan.aggregators.count) aggregators)", ""]
        lines.append(Style.bold("RULE".padding(28) + " SEVERITY MODE    COOLDOWN  EXPRESSION"))
        for rule in plan.rules {
            let cooldown = rule.cooldownText ?? "-"
            lines.append(
                "\(rule.id.padding(28)) \(rule.severity.rawValue.padding(8)) \(rule.mode.rawValue.padding(7)) "
                    + "\(cooldown.padding(9)) \(rule.expressionText.replacingNewlines)"
            )
        }
        lines += tableLines
        lines.append("")
        lines.append(Style.bold("AGGREGATOR".padding(58) + " WINDOW  ENTRIES    KEYS       STATE     PER KEY   READ BY"))
        for aggregator in estimate.aggregators {
            if aggregator.readsStateOf != nil {
                lines.append(
                    "\(aggregator.text.padding(58)) \(aggregator.window.padding(7)) "
                        + "\("(shared state, see below)".padding(51)) " + aggregator.rules.joined(separator: ", "))
                continue
            }
            lines.append(
                "\(aggregator.text.padding(58)) \(aggregator.window.padding(7)) "
                    + "\(Self.count(aggregator.retainedEntries).padding(10)) \(Self.count(aggregator.activeKeys).padding(10)) "
                    + "\(ByteSize.text(aggregator.bytes).padding(9)) \(ByteSize.text(aggregator.bytesPerKey).padding(9)) "
                    + aggregator.rules.joined(separator: ", ")
            )
        }
        for aggregator in estimate.aggregators {
            guard let owner = aggregator.readsStateOf else { continue }
            lines.append("\(aggregator.text) shares one window state with \(owner).")
        }
        lines.append("")
        lines.append(Style.bold("TOPIC".padding(44) + " KEYED BY             RULES"))
        for stage in topology.stages {
            let name = stage.isInput ? "\(stage.topic) (input)" : stage.topic
            let key = stage.keyFields.isEmpty ? "-" : stage.keyFields.joined(separator: ", ")
            lines.append("\(name.padding(44)) \(key.padding(20)) \(stage.plan.rules.map(\.id).joined(separator: ", "))")
        }
        if !topology.repartitionStages.isEmpty {
            lines.append(
                "Repartition topics are written and read by the group: create them with the input's partition count and "
                    + "a retention of at least the longest window + cooldown + allowed lateness.")
        }
        lines.append("")
        let eventIDs = estimate.eventIDBytes > 0 ? ", event ids kept by --deduplicate-within included (\(ByteSize.text(estimate.eventIDBytes)))" : ""
        lines.append(
            "Estimated window state: \(ByteSize.text(estimate.totalBytes)) at \(Int(estimate.assumptions.eventsPerSecond)) "
                + "events/s\(eventIDs), \(ByteSize.text(estimate.bytesPerReplica)) per replica over \(estimate.assumptions.replicas) "
                + "(budget \(ByteSize.text(Double(estimate.assumptions.budgetBytes))) each); filters are assumed to pass every event."
        )
        return lines.joined(separator: "\n")
    }

    /// Each table with its rows, its default and the rules that read it; nothing without tables.
    private var tableLines: [String] {
        guard !plan.tables.isEmpty else { return [] }
        var lines = ["", Style.bold("TABLE".padding(28) + " ROWS     DEFAULT       READ BY")]
        for (name, table) in plan.tables.sorted(by: { $0.key < $1.key }) {
            let readers = plan.rules.filter { $0.tables.contains(name) }.map(\.id)
            let fallback = table.defaultValue?.description ?? "none"
            lines.append(
                "\(name.padding(28)) \(String(table.rows.count).padding(8)) \(fallback.padding(13)) "
                    + (readers.isEmpty ? "(no rule)" : readers.joined(separator: ", ")))
        }
        return lines
    }

    private static func count(_ value: Double) -> String {
        switch value {
        case 1e9...: "\(Int(value / 1e9))G"
        case 1e6...: "\(Int(value / 1e6))M"
        case 1e4...: "\(Int(value / 1e3))k"
        default: "\(Int(value))"
        }
    }
}

extension String {
    fileprivate var replacingNewlines: String {
        split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
