import Histogram

/// Produce-to-alert latency of Vigil's pipeline, measured black-box at a fixed rate.
///
/// The feeder stamps each event's send time; the alert reader stamps each alert's arrival and
/// names its event by `event_id`. The difference covers the feeder's producer (linger), the
/// broker, Vigil's fetch, evaluation, alert send and acknowledgement, and the reader's fetch.
/// Send times are when `send` was called, not when the schedule wanted the event: a feeder
/// starved of CPU delays sends instead of showing them as latency.
struct LatencyRun {
    struct Outcome: Sendable {
        let run: RunResult
        /// Microseconds from send to alert arrival.
        let histogram: Histogram<UInt64>
        /// The same for the alerts of rules evaluated where the input is read (two Kafka hops from
        /// payment to reader), and of rules on repartition topics (three hops).
        let inputStage: Histogram<UInt64>
        let repartitioned: Histogram<UInt64>
        /// Alerts whose event id was not among the events sent (should be none).
        let unmatched: Int
    }

    let bench: LoopbackBench
    /// The number in `evt-N` of the workload's first event.
    let firstEventNumber: UInt64
    /// The rules evaluated where the input is read.
    let inputStageRules: Set<String>

    /// - Parameter kafkaOnly: read the input topic back while a ceiling consumer drains it, instead
    ///   of Vigil's alerts: the same path without Vigil, the floor Vigil's latency sits on.
    func measure(rate: Double, seconds: Double, kafkaOnly: Bool = false) async throws -> Outcome {
        let plan = FeedPlan(rate: rate, seconds: seconds, backlogLimit: nil, wrapsAround: false, recordsSendTimes: true)
        let run = try await bench.measure(kafkaOnly ? .discard : .vigil, plan, settings: .latency, readBack: kafkaOnly ? .input : .output)
        let empty = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var (histogram, inputStage, repartitioned) = (empty, empty, empty)
        var unmatched = 0
        let sendTimes = run.feed.sendTimes
        for arrival in run.alertArrivals {
            let index = Int(truncatingIfNeeded: arrival.eventNumber &- firstEventNumber)
            guard index >= 0, index < sendTimes.count, arrival.nanoseconds >= sendTimes[index] else {
                unmatched += 1
                continue
            }
            let microseconds = (arrival.nanoseconds - sendTimes[index]) / 1000
            histogram.record(microseconds)
            if let rule = arrival.ruleID {
                if inputStageRules.contains(rule) { inputStage.record(microseconds) } else { repartitioned.record(microseconds) }
            }
        }
        return Outcome(run: run, histogram: histogram, inputStage: inputStage, repartitioned: repartitioned, unmatched: unmatched)
    }
}
