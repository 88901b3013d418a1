import BenchmarkSupport
import Logging
import SuiteReport
import VigilKafka
import VigilPipeline
import VigilTraffic

/// (d) How fast a replica rebuilds window state when it is assigned partitions with history.
///
/// One member reads a history of the benchmark workload (reference rules, so the input and its
/// two repartition topics all carry history), commits and leaves. A second member is then
/// assigned every partition: it reads from each restore point up to the commit with outputs
/// discarded, and becomes ready. The figure is the input events of history over the time from its
/// assignment to its last partition going live; each input event is evaluated three times (on the
/// input and on both repartition topics). The history has to fit the mock broker's bounded
/// retention (about 5 MB per partition), so it is far below a million events and the figure per
/// million is the measured rate scaled.
struct RestoreScenario {
    private let events: Int
    private static let partitions = 6

    init(options: inout Options) throws {
        events = try options.int("restore-events", default: 50_000)
        try options.checkAllRead()
    }

    func run() async throws -> ScenarioReport {
        let logger = Logger.bench
        let traffic = BenchmarkTraffic.Configuration.events(events)
        let workload = BenchmarkTraffic(traffic).makeBatch()
        let cluster = try LoopbackCluster(partitions: Self.partitions, logger: logger)
        let topics = try cluster.makeTopics("restore")
        let settings = KafkaSettings(fetchWaitMaxMilliseconds: 10, lingerMilliseconds: 5)
        let configuration = PipelineConfiguration(
            consumer: settings.consumer(cluster, group: "restore"), producer: settings.producer(cluster),
            inputTopic: topics.input, alertTopic: topics.output)
        let plan = RuleSet.reference.plan()

        let first = try Pipeline(configuration: configuration, plan: plan, logger: logger)
        try cluster.createRepartitionTopics(of: first)
        try produce(workload, to: topics.input, producer: settings.producer(cluster), logger: logger)
        let firstRun = Task { try await first.run() }
        do {
            try await waitUntilSettled(first, events: workload.count)
        } catch {
            // Say whether the broker still holds the whole input: the mock drops the oldest messages.
            let probe = try KafkaConsumer(configuration: settings.consumer(cluster, group: "restore-probe"), logger: logger)
            let oldest = try (0..<Int32(Self.partitions)).map { try probe.queryWatermarks(of: TopicPartition(topic: topics.input, partition: $0)) }
            first.requestStop()
            try? await firstRun.value
            throw RestoreFailure.withWatermarks("\(error); input partitions (oldest, end): \(oldest)")
        }
        first.requestStop()
        try await firstRun.value
        let history = first.status.snapshot.eventsConsumed + first.status.snapshot.repartitionedEventsConsumed

        let second = try Pipeline(configuration: configuration, plan: plan, logger: logger)
        let secondRun = Task { try await second.run() }
        var assignedAt: ContinuousClock.Instant?
        var liveAt: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(300)
        while liveAt == nil, ContinuousClock.now < deadline, second.status.snapshot.phase != .failed {
            let snapshot = second.status.snapshot
            if assignedAt == nil, !snapshot.assignment.isEmpty { assignedAt = .now }
            if assignedAt != nil, snapshot.restoring.isEmpty, snapshot.replayedMessages > 0 { liveAt = .now }
            try await Task.sleep(for: .milliseconds(2))
        }
        second.requestStop()
        try await secondRun.value
        let replayed = second.status.snapshot.replayedMessages
        let ceiling = try readCeiling(topics: first.topology.topics, settings: settings, cluster: cluster, logger: logger)

        var report = ScenarioReport(scenario: "restore", settings: [
            "rules": "Benchmarks/rules/reference (input + 2 repartition topics)",
            "history": "\(workload.count) input events, \(history) evaluations over 3 topics × \(Self.partitions) partitions, "
                + "\(ceiling.messages) Kafka messages (repartitioned events travel in bundles)",
            "build": "release; one replica replays its partitions in parallel, one thread per restoring partition",
        ])
        guard let assignedAt, let liveAt, replayed > 0 else {
            report.failures.append("the second member did not finish restoring within 300 s (replayed \(replayed))")
            return report
        }
        let seconds = (liveAt - assignedAt).seconds
        let rate = Double(workload.count) / seconds
        report.figures = [
            Figure("restore rate", rate, unit: "input events/s", target: "≥ 1,000,000", verdict: rate >= 1_000_000 ? .met : .missed,
                   note: "\(workload.count) events of history (\(replayed) evaluations) replayed in \(ReportTable.format(seconds)) s"),
            Figure("restore time per million events of history", 1_000_000 / rate, unit: "s"),
            Figure(
                "Kafka ceiling: read the same history and discard", Double(workload.count) / ceiling.seconds, unit: "input events/s",
                note: "a plain consumer assigned every partition, same settings and broker: \(ceiling.messages) messages in "
                    + "\(ReportTable.format(ceiling.seconds)) s"),
        ]
        report.runs.append("replayed \(replayed) of \(history) evaluations in \(ReportTable.format(seconds)) s, assignment to live")
        if replayed < history {
            report.failures.append("replayed \(replayed) evaluations, fewer than the \(history) of history: restore points moved or history was lost")
        }
        return report
    }

    /// How long a plain consumer takes to read every message the history's topics hold: the least
    /// a restore through this broker could take.
    private func readCeiling(topics: [String], settings: KafkaSettings, cluster: LoopbackCluster, logger: Logger) throws
        -> (messages: Int, seconds: Double)
    {
        let consumer = try KafkaConsumer(configuration: settings.consumer(cluster, group: "restore-ceiling"), logger: logger)
        defer { consumer.close(timeout: .seconds(5)) }
        let partitions = topics.flatMap { topic in (0..<Int32(Self.partitions)).map { TopicPartition(topic: topic, partition: $0) } }
        let messages = try partitions.map { partition in
            let (low, high) = try consumer.queryWatermarks(of: partition)
            return Int(high - low)
        }.reduce(0, +)
        try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        let started = ContinuousClock.now
        var read = 0
        while read < messages, ContinuousClock.now - started < .seconds(120) {
            read += try consumer.poll(maxMessages: 2000, timeout: .milliseconds(100)).count
        }
        return (read, (ContinuousClock.now - started).seconds)
    }

    private func produce(_ workload: TrafficBatch, to topic: String, producer configuration: ProducerConfiguration, logger: Logger) throws {
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try workload.bytes.withUnsafeBytes { bytes in
            for index in 0..<workload.count {
                let range = workload.range(of: index)
                // Spread evenly: unkeyed messages go to one partition at a time (sticky partitioning),
                // and one partition would outgrow what the mock retains.
                try producer.send(
                    topic: topic, partition: Int32(index % Self.partitions), key: nil, value: UnsafeRawBufferPointer(rebasing: bytes[range]))
            }
        }
        let failures = try producer.flush()
        guard failures.isEmpty else { throw failures[0].error }
    }

    /// Waits until the member consumed the input and its repartition topics stopped growing.
    private func waitUntilSettled(_ pipeline: Pipeline, events: Int) async throws {
        var last = -1
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let snapshot = pipeline.status.snapshot
            if snapshot.phase == .failed { throw RestoreFailure.firstMemberFailed }
            let total = snapshot.eventsConsumed + snapshot.repartitionedEventsConsumed
            if snapshot.eventsConsumed >= events, total == last { return }
            last = total
            try await Task.sleep(for: .seconds(1))
        }
        throw RestoreFailure.historyNotConsumed(pipeline.status.snapshot.eventsConsumed, of: events)
    }
}

enum RestoreFailure: Error, CustomStringConvertible {
    case firstMemberFailed
    case historyNotConsumed(Int, of: Int)
    case withWatermarks(String)

    var description: String {
        switch self {
        case .firstMemberFailed: "the member reading the history failed"
        case .historyNotConsumed(let consumed, let events): "the history was not consumed within 60 s (\(consumed) of \(events))"
        case .withWatermarks(let text): text
        }
    }
}
