import Foundation
import VigilEngine
import VigilRules
import VigilValues

extension BacktestReport {
    /// The report as one JSON object with sorted keys; example alerts are in the alert contract's format.
    var json: String {
        var object: [String: Any] = [
            "input": input.description, "events_read": events, "seconds": seconds, "events_per_second": eventsPerSecond,
            "rejected": base.engine.statistics.rejected, "rejected_by_reason": base.rejectedByReason,
            "late": base.engine.statistics.late, "ahead_of_message": base.engine.statistics.aheadOfMessage,
            "ruleset_version": base.engine.plan.version,
            "rules": Self.rules(base, topKeys: topKeys),
            "examples": base.examples.compactMap { try? JSONSerialization.jsonObject(with: Data($0.jsonBytes())) },
        ]
        if let changed {
            object["compare"] = [
                "ruleset_version": changed.engine.plan.version, "rules": Self.rules(changed, topKeys: topKeys),
                "changes": changes.map { change in
                    ["rule_id": change.ruleID, "added": change.added.map(identity), "removed": change.removed.map(identity)]
                },
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func rules(_ tally: BacktestTally, topKeys: Int) -> [[String: Any]] {
        tally.engine.statistics.rules.enumerated().map { index, counters in
            [
                "rule_id": counters.ruleID, "mode": tally.engine.plan.rules[index].mode.rawValue,
                "alerts": counters.fired, "suppressed": counters.suppressed, "unknown": counters.unknown,
                "top_keys": tally.topKeys(counters.ruleID, limit: topKeys).map { ["key": $0.key, "alerts": $0.count] },
            ]
        }
    }

    private func identity(_ alert: AlertIdentity) -> [String: String] {
        [
            "alert_id": alert.alertID, "rule_id": alert.ruleID, "key": alert.key, "event_id": alert.eventID,
            "event_time": RFC3339.format(milliseconds: alert.eventTime), "source": input.citation(of: alert.source),
        ]
    }
}
