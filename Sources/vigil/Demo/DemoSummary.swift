import Synchronization
import VigilPipeline
import VigilTraffic

/// The demo's closing table: what went in, what came out, and how fast.
struct DemoSummary {
    let pipeline: PipelineSnapshot
    let feeder: TrafficFeeder
    let follower: AlertFollower
    let elapsed: Duration

    func print() {
        let sent = feeder.sent.withLock { $0 }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let seen = follower.seen.withLock { $0 }
        var lines = ["", Style.bold("Summary")]
        lines.append("  events sent       \(sent.values.reduce(0, +))  (" + sent.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ") + ")")
        let busy = Double(pipeline.busyTime.components.seconds) + Double(pipeline.busyTime.components.attoseconds) / 1e18
        lines.append(
            "  events consumed   \(pipeline.eventsConsumed) in \(String(format1: seconds)) s, input paced; "
                + "busy \(String(format1: busy)) s of it (\(Int(Double(pipeline.eventsConsumed) / max(busy, 0.001))) events/s "
                + "while busy, acknowledgements and commits included)"
        )
        let shadowCount = pipeline.shadowAlertsByRule.values.reduce(0, +)
        lines.append(
            "  alerts            \(pipeline.alertCount) published and \(shadowCount) shadow; read back from both topics: "
                + "\(seen.ids.count) distinct ids, \(seen.duplicates) duplicates")
        for (rule, count) in pipeline.alertsByRule.sorted(by: { $0.key < $1.key }) {
            let suppressed = pipeline.suppressedByRule[rule] ?? 0
            lines.append("    \(rule.padding(30)) \(count)" + (suppressed > 0 ? Style.dim("  (\(suppressed) held back by cooldown)") : ""))
        }
        for (rule, count) in pipeline.shadowAlertsByRule.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(rule.padding(30)) \(count) " + Style.magenta("shadow"))
        }
        lines.append("  dead letters      \(pipeline.deadLetterCount)")
        for (reason, count) in pipeline.deadLettersByReason.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(reason.padding(30)) \(count)")
        }
        lines.append("  late events       \(pipeline.lateEvents)")
        lines.append("  ruleset           \(pipeline.rulesetVersion)")
        Swift.print(lines.joined(separator: "\n"))
    }
}

extension String {
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}
