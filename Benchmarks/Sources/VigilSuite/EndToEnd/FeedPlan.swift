/// How a run feeds the input topic.
struct FeedPlan: Sendable, CustomStringConvertible {
    /// Events per second the feeder aims for.
    let rate: Double
    let seconds: Double
    /// The probe's flow control: hold the feed back while this many delivered events are not yet
    /// consumed. Nil for a fixed rate, where a slow consumer must show up as a growing backlog.
    let backlogLimit: Int?
    /// Starts again at the first event when the workload runs out. Right for the ceilings, which
    /// read bytes; wrong for Vigil, whose windows would see time run backwards.
    let wrapsAround: Bool
    /// Stamps each event's send time, for produce-to-alert latency.
    let recordsSendTimes: Bool

    var description: String {
        let mode = backlogLimit.map { "as fast as the consumer drains (backlog ≤ \($0))" } ?? "fixed \(Int(rate)) events/s"
        return "\(mode) for \(seconds) s"
    }
}

/// One progress reading, taken by the feeder about every 100 ms.
struct ProgressSample: Sendable {
    let seconds: Double
    let delivered: Int
    let consumed: Int
}

/// What the feeder did.
struct FeedResult: Sendable {
    let sent: Int
    let seconds: Double
    let deliveryFailures: Int
    /// The largest number of delivered events not yet consumed at any reading.
    let maxBacklog: Int
    let samples: [ProgressSample]
    /// Monotonic send time of event `i` of the workload (empty unless the plan asked for them).
    let sendTimes: [UInt64]
    /// The workload ran out before the duration (only when the plan does not wrap around).
    let ranOut: Bool

    /// The consumer's rate over the last 70 % of the feed: the probe's estimate, past the start-up.
    var consumerRateAfterStartUp: Double {
        guard let last = samples.last, let first = samples.first(where: { $0.seconds >= 0.3 * last.seconds }),
            last.seconds > first.seconds
        else { return 0 }
        return Double(last.consumed - first.consumed) / (last.seconds - first.seconds)
    }
}
