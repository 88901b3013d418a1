/// Finds the highest rate a sink sustains: a probe, then fixed rates from the probe's estimate down.
///
/// The probe feeds as fast as the sink drains, holding the backlog to a quarter of what the mock
/// retains, and takes the sink's rate over the last 70 % of the feed. Fixed-rate runs then start
/// at that estimate and step down by 15 % until one holds (`RunChecks`). The first that holds is
/// the sustained rate; every run is kept, so a reader can see the steps.
struct RateSearch {
    struct Outcome: Sendable {
        let probe: RunResult
        /// The highest fixed-rate run that held, or nil when none did.
        let sustained: RunResult?
        let runs: [RunResult]
    }

    let bench: LoopbackBench
    let probeSeconds: Double
    let fixedSeconds: Double
    /// Fixed rates tried at most, from the probe's estimate down.
    let attempts = 4
    let step = 0.85

    func run(_ kind: SinkKind) async throws -> Outcome {
        let probePlan = FeedPlan(
            rate: 10_000_000, seconds: probeSeconds, backlogLimit: bench.checks.retainedMessages / 4,
            wrapsAround: !kind.isVigil, recordsSendTimes: false
        )
        let probe = try await bench.measure(kind, probePlan, settings: .throughput)
        var runs = [probe]
        var rate = (probe.feed.consumerRateAfterStartUp / 1000).rounded(.down) * 1000
        for _ in 0..<attempts where rate > 0 {
            let plan = FeedPlan(rate: rate, seconds: fixedSeconds, backlogLimit: nil, wrapsAround: !kind.isVigil, recordsSendTimes: false)
            let run = try await bench.measure(kind, plan, settings: .throughput)
            runs.append(run)
            if run.holds { return Outcome(probe: probe, sustained: run, runs: runs) }
            rate = (rate * step / 1000).rounded(.down) * 1000
        }
        return Outcome(probe: probe, sustained: nil, runs: runs)
    }
}
