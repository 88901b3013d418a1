import BenchmarkSupport
import Logging
import SuiteReport
import VigilEngine
import VigilKafka
import VigilPipeline
import VigilRules
import VigilTraffic

/// (d) How fast a replica rebuilds window state when it is assigned partitions with history.
///
/// One member reads a history of the benchmark workload (reference rules, so the input and its
/// two repartition topics all carry history), commits and leaves; leaving, it snapshots every
/// partition. A second member is then assigned every partition and loads their snapshots. A
/// third, with snapshots turned off, replays each partition from its restore point up to the
/// commit with outputs discarded (each input event is evaluated three times: on the input and on
/// both repartition topics). Each figure is the input events of history over the time from the
/// member's assignment to its last partition going live. The history has to fit the mock broker's
/// bounded retention (about 5 MB per partition), so it is far below a million events and the
/// figure per million is the measured rate scaled.
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
        if let snapshotTopic = configuration.snapshotTopic { try cluster.createSnapshotTopic(snapshotTopic) }
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

        let fromSnapshots = try await restore(configuration: configuration, plan: plan, logger: logger)
        var replayOnly = configuration
        replayOnly.snapshotTopic = nil
        let byReplay = try await restore(configuration: replayOnly, plan: plan, logger: logger)
        let ceiling = try readCeiling(topics: first.topology.topics, settings: settings, cluster: cluster, logger: logger)

        var report = ScenarioReport(scenario: "restore", settings: [
            "rules": "Benchmarks/rules/reference (input + 2 repartition topics)",
            "history": "\(workload.count) input events, \(history) evaluations over 3 topics × \(Self.partitions) partitions, "
                + "\(ceiling.messages) Kafka messages (repartitioned events travel in bundles)",
            "snapshots": "written by the first member as it stops: \(first.status.snapshot.snapshotsWritten) of them, "
                + "\(first.status.snapshot.snapshotBytesWritten) bytes, taken in \(ReportTable.format(first.status.snapshot.snapshotTime.seconds)) s",
            "build": "release; a replaying member replays its partitions in parallel, one thread per restoring partition",
        ])
        let partitions = 3 * Self.partitions
        guard let fromSnapshots, fromSnapshots.loaded == partitions, fromSnapshots.replayed == 0 else {
            report.failures.append("the member restoring from snapshots did not load all \(partitions) within 300 s: \(String(describing: fromSnapshots))")
            return report
        }
        guard let byReplay, byReplay.replayed > 0 else {
            report.failures.append("the member restoring by replay did not finish within 300 s: \(String(describing: byReplay))")
            return report
        }
        let snapshotRate = Double(workload.count) / fromSnapshots.seconds
        let replayRate = Double(workload.count) / byReplay.seconds
        report.figures = [
            Figure(
                "restore rate, from snapshots", snapshotRate, unit: "input events/s", target: "≥ 1,000,000",
                verdict: snapshotRate >= 1_000_000 ? .met : .missed,
                note: "\(partitions) partition snapshots (\(fromSnapshots.entries) window entries) loaded in \(ReportTable.format(fromSnapshots.seconds)) s"),
            Figure("restore time per million events of history, from snapshots", 1_000_000 / snapshotRate, unit: "s"),
            Figure(
                "restore rate, by replay", replayRate, unit: "input events/s",
                note: "\(workload.count) events of history (\(byReplay.replayed) evaluations) replayed in \(ReportTable.format(byReplay.seconds)) s"),
            Figure("restore time per million events of history, by replay", 1_000_000 / replayRate, unit: "s"),
            Figure(
                "Kafka ceiling: read the same history and discard", Double(workload.count) / ceiling.seconds, unit: "input events/s",
                note: "a plain consumer assigned every partition, same settings and broker: \(ceiling.messages) messages in "
                    + "\(ReportTable.format(ceiling.seconds)) s"),
        ]
        report.runs.append("loaded \(fromSnapshots.loaded) snapshots in \(ReportTable.format(fromSnapshots.seconds)) s, assignment to live")
        report.runs.append("replayed \(byReplay.replayed) of \(history) evaluations in \(ReportTable.format(byReplay.seconds)) s, assignment to live")
        if byReplay.replayed < history {
            report.failures.append("replayed \(byReplay.replayed) evaluations, fewer than the \(history) of history: restore points moved or history was lost")
        }
        return report
    }

    private struct Restored: CustomStringConvertible {
        let seconds: Double
        let replayed: Int
        let loaded: Int
        let entries: Int

        var description: String { "\(loaded) snapshots loaded, \(replayed) messages replayed in \(seconds) s" }
    }

    /// Runs a member until every partition it was assigned is live; the time is the slowest
    /// partition's, from its assignment to going live, as the member measured it.
    private func restore(configuration: PipelineConfiguration, plan: RulePlan, logger: Logger) async throws -> Restored? {
        let member = try Pipeline(configuration: configuration, plan: plan, logger: logger)
        let running = Task { try await member.run() }
        let deadline = ContinuousClock.now + .seconds(300)
        var isLive = false
        while !isLive, ContinuousClock.now < deadline, member.status.snapshot.phase != .failed {
            let snapshot = member.status.snapshot
            isLive = snapshot.assignment.count == 3 * Self.partitions && snapshot.restoring.isEmpty
                && snapshot.slowestRestore > .zero
            try await Task.sleep(for: .milliseconds(10))
        }
        let snapshot = member.status.snapshot
        member.requestStop()
        try await running.value
        guard isLive else { return nil }
        return Restored(
            seconds: snapshot.slowestRestore.seconds, replayed: snapshot.replayedMessages, loaded: snapshot.snapshotsLoaded,
            entries: snapshot.windowState.retainedEntries)
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
