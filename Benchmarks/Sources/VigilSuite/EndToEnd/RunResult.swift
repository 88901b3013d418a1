import SuiteReport

/// One measured run: the feed, what the sink saw, and every reason the run does not hold.
struct RunResult: Sendable {
    let kind: SinkKind
    let plan: FeedPlan
    let feed: FeedResult
    let outcome: SinkOutcome
    /// How long after the feed stopped the sink needed to finish the last event (nil: it never did).
    let catchUpSeconds: Double?
    let failures: [String]
    /// Alerts read back with their arrival times, when the run read them.
    let alertArrivals: [AlertReader.Arrival]
    /// CPU time of Vigil's pipeline thread (`vigil.pipeline`) from the first send to the last
    /// event finished; nil for the ceilings. With two evaluation threads the second is left out.
    let pipelineThreadSeconds: Double?

    var holds: Bool { failures.isEmpty }

    /// Events the sink finished per second, from the first send to its last event.
    var sinkRate: Double {
        Double(outcome.consumed) / max(feed.seconds + (catchUpSeconds ?? 0), 1e-9)
    }

    var summary: String {
        let verdict = holds ? "holds" : "does not hold: " + failures.joined(separator: "; ")
        return "\(kind.rawValue), \(plan): sent \(feed.sent) in \(ReportTable.format(feed.seconds)) s, "
            + "finished \(outcome.consumed) (\(Int(sinkRate))/s), max backlog \(feed.maxBacklog), "
            + "skipped \(outcome.skipped), wrote \(outcome.written)\(outcome.detail.isEmpty ? "" : " (\(outcome.detail))")"
            + (pipelineThreadSeconds.map { ", pipeline thread \(ReportTable.format($0 * 1e6 / Double(max(outcome.consumed, 1)))) µs CPU per input event" } ?? "")
            + "; \(verdict)"
    }
}

/// The checks that make a run count: nothing lost, nothing beyond retention, and for a fixed rate,
/// a feeder that held the rate and a sink that kept up with it.
struct RunChecks {
    /// Events the mock keeps over all partitions, as `RetentionProbe` measured at the start.
    let retainedMessages: Int

    func failures(plan: FeedPlan, feed: FeedResult, outcome: SinkOutcome, catchUpSeconds: Double?) -> [String] {
        var failures: [String] = []
        if outcome.skipped > 0 {
            failures.append("\(outcome.skipped) offsets skipped: the consumer fell behind the broker's retention and lost them")
        }
        if outcome.consumed < feed.sent {
            failures.append("finished \(outcome.consumed) of \(feed.sent) events produced")
        }
        if feed.maxBacklog > retainedMessages {
            failures.append("backlog reached \(feed.maxBacklog) events, beyond the ~\(retainedMessages) the mock retains")
        }
        if feed.deliveryFailures > 0 { failures.append("\(feed.deliveryFailures) events were not delivered to the broker") }
        guard plan.backlogLimit == nil else { return failures }
        let planned = plan.rate * min(feed.seconds, plan.seconds)
        if !feed.ranOut, Double(feed.sent) < 0.97 * planned {
            failures.append("the feeder sent only \(feed.sent) of \(Int(planned)) events: this machine could not feed the rate")
        }
        // A pipeline commits a batch at a time, so it finishes in steps of up to a few hundred milliseconds.
        let allowance = max(0.5, 0.05 * plan.seconds)
        if let catchUpSeconds, catchUpSeconds > allowance {
            failures.append("fell behind: needed \(ReportTable.format(catchUpSeconds)) s after the feed stopped (allowed \(allowance) s)")
        }
        return failures
    }
}
