import Logging
import VigilPipeline
import VigilRules
import VigilTraffic

/// Which of a run's topics is read back for latency: Vigil's alerts, or the input itself (the
/// Kafka path alone, for comparison).
enum ReadBack: Sendable {
    case none
    case output
    case input
}

/// Runs feeds against sinks on one shared mock broker, each run on fresh topics.
struct LoopbackBench: Sendable {
    let cluster: LoopbackCluster
    let workload: TrafficBatch
    let plan: RulePlan
    let checks: RunChecks
    let logger: Logger

    /// Starts a sink, feeds it, waits for it to finish the last event, then checks the run.
    /// - Parameter readBack: a topic to read from the start alongside, stamping each message's arrival.
    func measure(_ kind: SinkKind, _ feedPlan: FeedPlan, settings: KafkaSettings, readBack: ReadBack = .none) async throws -> RunResult {
        let topics = try cluster.makeTopics(kind.rawValue)
        let sink = try await start(kind, topics: topics, settings: settings)
        let readTopic: String? = switch readBack {
        case .none: nil
        case .output: topics.output
        case .input: topics.input
        }
        let reader = readTopic.map { AlertReader(topic: $0, cluster: cluster, settings: settings, logger: logger) }
        try await reader?.waitUntilFetching()
        let feeder = Feeder(
            workload: workload, topic: topics.input, partitions: cluster.partitions,
            configuration: settings.producer(cluster), logger: logger
        )
        let pipelineCPUBefore = ThreadCPU.seconds(ofThreadNamed: "vigil.pipeline")
        let feed = try await DedicatedThread.run(label: "vigil.bench.feed") { _ in
            try feeder.run(feedPlan) { sink.consumed }
        }
        let catchUp = try await catchUpSeconds(of: sink, total: feed.sent)
        let pipelineCPUAfter = ThreadCPU.seconds(ofThreadNamed: "vigil.pipeline")
        let pipelineCPU = pipelineCPUBefore.flatMap { before in pipelineCPUAfter.map { $0 - before } }
        let outcome = try await sink.finish()
        var failures = checks.failures(plan: feedPlan, feed: feed, outcome: outcome, catchUpSeconds: catchUp)
        var arrivals: [AlertReader.Arrival] = []
        if let reader {
            let expected = readBack == .input ? feed.sent : outcome.written
            arrivals = try await read(reader, expecting: expected)
            if arrivals.count < expected { failures.append("read \(arrivals.count) of \(expected) messages back") }
        }
        let result = RunResult(
            kind: kind, plan: feedPlan, feed: feed, outcome: outcome, catchUpSeconds: catchUp, failures: failures,
            alertArrivals: arrivals, pipelineThreadSeconds: pipelineCPU
        )
        logger.notice("\(result.summary)")
        return result
    }

    func start(_ kind: SinkKind, topics: RunTopics, settings: KafkaSettings) async throws -> any RunningSink {
        switch kind {
        case .discard: CeilingConsumer(writes: false, topics: topics, cluster: cluster, settings: settings, logger: logger)
        case .readWrite: CeilingConsumer(writes: true, topics: topics, cluster: cluster, settings: settings, logger: logger)
        case .vigil: try await PipelineSink(topics: topics, cluster: cluster, plan: plan, settings: settings, logger: logger)
        case .vigilTwoThreads:
            try await PipelineSink(topics: topics, cluster: cluster, plan: plan, settings: settings, evaluationThreads: 2, logger: logger)
        case .vigilInputKeyed:
            try await PipelineSink(topics: topics, cluster: cluster, plan: inputKeyedPlan(), settings: settings, logger: logger)
        }
    }

    /// The rules of `plan` that run on the input topic (keyed by `card_id`), and only those.
    func inputKeyedPlan() throws -> RulePlan {
        try PipelineTopology(plan: plan, inputTopic: "payments", inputKey: ["card_id"], group: "vigil").input.plan
    }

    /// Lets the reader catch up with the alerts the pipeline committed (10 s at most), then stops it.
    private func read(_ reader: AlertReader, expecting count: Int) async throws -> [AlertReader.Arrival] {
        let deadline = ContinuousClock.now + .seconds(10)
        while reader.alertsRead < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await reader.finish()
    }

    /// Waits until the sink has finished `total` events; nil when it made no progress for 5 s.
    func catchUpSeconds(of sink: any RunningSink, total: Int) async throws -> Double? {
        let start = Monotonic.nanoseconds()
        var last = (count: sink.consumed, at: start)
        while last.count < total {
            try await Task.sleep(for: .milliseconds(5))
            let count = sink.consumed
            let now = Monotonic.nanoseconds()
            if count != last.count {
                last = (count, now)
            } else if now - last.at > 5_000_000_000 {
                return nil
            }
        }
        return Monotonic.seconds(since: start)
    }
}
