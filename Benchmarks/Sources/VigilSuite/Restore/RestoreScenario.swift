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
/// Two histories of the benchmark workload, each read by a first member with the reference rules
/// (the input and its two repartition topics all carry history), which commits and leaves and,
/// leaving, snapshots every partition:
///
/// - **A short history** (`--restore-events`, 50,000 by default) that the mock broker retains
///   whole, so that a restore from snapshots and a restore by replay can be compared. A second
///   member loads the snapshots; a third, with snapshots turned off, replays each partition from
///   its restore point up to the commit with outputs discarded (each input event is evaluated
///   three times: on the input and on both repartition topics). The history spans about 17
///   minutes of event time, so its windows still hold most of its events.
/// - **A long history** (`--long-history-events`, 1,000,000 by default): the size the target is
///   stated for. It is fed step by step as the first member reads it, since the mock keeps only
///   about 5 MB per partition; the broker then holds only the newest part of the input, so this
///   history can only be restored from snapshots. The restored state must hold the keys and
///   entries the first member held, less those its sweep had not yet removed from its windows.
///
/// Each figure is the input events of history over the time from the member's assignment to its
/// last partition going live, as the member measures it.
struct RestoreScenario {
    private let events: Int
    private let longHistoryEvents: Int
    private static let partitions = 6
    /// Input events the long history feeds at a time: about 1.4 MB per input partition, well
    /// inside what the mock keeps, and read before the next step is fed.
    private static let feedStep = 30_000

    init(options: inout Options) throws {
        events = try options.int("restore-events", default: 50_000)
        longHistoryEvents = try options.int("long-history-events", default: 1_000_000)
        try options.checkAllRead()
    }

    /// The broker, client settings and rules that both histories share.
    private struct Bench {
        let cluster: LoopbackCluster
        let settings = KafkaSettings(fetchWaitMaxMilliseconds: 10, lingerMilliseconds: 5)
        let plan = RuleSet.reference.plan()
        let logger = Logger.bench
    }

    /// What the member that read a history left behind.
    private struct History {
        let configuration: PipelineConfiguration
        let topics: [String]
        /// The first member's status after it stopped, with the snapshots it wrote.
        let status: PipelineSnapshot
        /// The window state it held once it had read the history.
        let held: Engine.StateSummary
        let evaluations: Int
    }

    func run() async throws -> ScenarioReport {
        let bench = try Bench(cluster: LoopbackCluster(partitions: Self.partitions, logger: Logger.bench))
        var report = ScenarioReport(scenario: "restore", settings: [
            "rules": "Benchmarks/rules/reference (input + 2 repartition topics)",
            "build": "release; a restoring member rebuilds or replays its partitions in parallel",
        ])
        try await compareWithReplay(bench, into: &report)
        guard report.failures.isEmpty else { return report }
        try await restoreLongHistory(bench, into: &report)
        return report
    }

    /// The short history, restored from snapshots and by replay.
    private func compareWithReplay(_ bench: Bench, into report: inout ScenarioReport) async throws {
        let workload = BenchmarkTraffic(.events(events)).makeBatch()
        let history = try await readHistory(workload, label: "restore", stepwise: false, bench)
        let fromSnapshots = try await restore(configuration: history.configuration, plan: bench.plan, logger: bench.logger)
        var replayOnly = history.configuration
        replayOnly.snapshotTopic = nil
        let byReplay = try await restore(configuration: replayOnly, plan: bench.plan, logger: bench.logger)
        let ceiling = try readCeiling(topics: history.topics, settings: bench.settings, cluster: bench.cluster, logger: bench.logger)

        report.settings["short history"] = "\(workload.count) input events (\(Self.eventTimeSpan(workload.count, in: 60)) minutes of event time), "
            + "\(history.evaluations) evaluations over 3 topics × \(Self.partitions) partitions, \(ceiling.messages) Kafka messages "
            + "(repartitioned events travel in bundles); snapshots written as the first member stopped: \(Self.describeSnapshots(history.status))"
        guard let fromSnapshots = Self.loadedEverySnapshot(fromSnapshots, of: "short history", into: &report) else { return }
        guard let byReplay, byReplay.replayed > 0 else {
            report.failures.append("the member restoring by replay did not finish within 300 s: \(String(describing: byReplay))")
            return
        }
        let snapshotRate = Double(workload.count) / fromSnapshots.seconds
        let replayRate = Double(workload.count) / byReplay.seconds
        report.figures += [
            Figure(
                "short history: restore rate, from snapshots", snapshotRate, unit: "input events/s",
                note: "\(fromSnapshots.loaded) partition snapshots (\(fromSnapshots.state.retainedEntries) window entries, "
                    + "\(ReportTable.format(Double(fromSnapshots.state.retainedEntries) / Double(workload.count))) per event) "
                    + "loaded in \(ReportTable.format(fromSnapshots.seconds)) s"),
            Figure("short history: restore time per million events, from snapshots", 1_000_000 / snapshotRate, unit: "s"),
            Figure(
                "short history: restore rate, by replay", replayRate, unit: "input events/s",
                note: "\(workload.count) events of history (\(byReplay.replayed) evaluations) replayed in \(ReportTable.format(byReplay.seconds)) s"),
            Figure("short history: restore time per million events, by replay", 1_000_000 / replayRate, unit: "s"),
            Figure(
                "short history: Kafka ceiling, read it and discard", Double(workload.count) / ceiling.seconds, unit: "input events/s",
                note: "a plain consumer assigned every partition, same settings and broker: \(ceiling.messages) messages in "
                    + "\(ReportTable.format(ceiling.seconds)) s"),
        ]
        report.runs.append("short history: loaded \(fromSnapshots.loaded) snapshots in \(ReportTable.format(fromSnapshots.seconds)) s, assignment to live")
        report.runs.append("short history: replayed \(byReplay.replayed) of \(history.evaluations) evaluations in \(ReportTable.format(byReplay.seconds)) s, assignment to live")
        if byReplay.replayed < history.evaluations {
            report.failures.append("replayed \(byReplay.replayed) evaluations, fewer than the \(history.evaluations) of history: restore points moved or history was lost")
        }
    }

    /// The long history, restored from snapshots: the target's figure.
    private func restoreLongHistory(_ bench: Bench, into report: inout ScenarioReport) async throws {
        let workload = BenchmarkTraffic(.events(longHistoryEvents)).makeBatch()
        let history = try await readHistory(workload, label: "restore-long", stepwise: true, bench)
        let restored = try await restore(configuration: history.configuration, plan: bench.plan, logger: bench.logger)
        report.settings["long history"] = "\(workload.count) input events (\(Self.eventTimeSpan(workload.count, in: 3600)) hours of event time), "
            + "\(history.evaluations) evaluations, fed \(Self.feedStep) at a time as the first member read them; "
            + "snapshots written as it stopped: \(Self.describeSnapshots(history.status))"
        guard let restored = Self.loadedEverySnapshot(restored, of: "long history", into: &report) else { return }
        // A snapshot leaves out entries no query can reach any more, which the first member's
        // sweep had not yet removed: the restored state may be smaller, by a sweep's worth at most.
        let held = history.held
        let (keys, entries) = (restored.state.activeKeys, restored.state.retainedEntries)
        guard keys <= held.activeKeys, entries <= held.retainedEntries, entries * 100 >= held.retainedEntries * 99 else {
            report.failures.append("the restored state (\(keys) keys, \(entries) entries) is not the one "
                + "the first member held (\(held.activeKeys) keys, \(held.retainedEntries) entries)")
            return
        }
        let rate = Double(workload.count) / restored.seconds
        report.figures += [
            Figure(
                "long history: restore rate, from snapshots", rate, unit: "input events/s", target: "≥ 1,000,000",
                verdict: rate >= 1_000_000 ? .met : .missed,
                note: "\(restored.loaded) partition snapshots (\(entries) window entries, \(keys) keys; the first member held \(held.retainedEntries) "
                    + "and \(held.activeKeys), some beyond their windows and not yet swept) loaded in \(ReportTable.format(restored.seconds)) s"),
            Figure("long history: restore time per million events, from snapshots", 1_000_000 / rate, unit: "s"),
        ]
        report.runs.append("long history: loaded \(restored.loaded) snapshots in \(ReportTable.format(restored.seconds)) s, assignment to live; "
            + "by replay it cannot be restored here, since the broker no longer holds its start")
    }

    /// Runs a first member over `workload` until it has read all of it, then stops it, which
    /// commits and snapshots every partition. `stepwise` feeds the workload as the member reads
    /// it, for histories larger than the mock broker keeps.
    private func readHistory(_ workload: TrafficBatch, label: String, stepwise: Bool, _ bench: Bench) async throws -> History {
        let topics = try bench.cluster.makeTopics(label)
        let configuration = PipelineConfiguration(
            consumer: bench.settings.consumer(bench.cluster, group: label), producer: bench.settings.producer(bench.cluster),
            inputTopic: topics.input, alertTopic: topics.output)
        let first = try Pipeline(configuration: configuration, plan: bench.plan, logger: bench.logger)
        try bench.cluster.createRepartitionTopics(of: first)
        if let snapshotTopic = configuration.snapshotTopic { try bench.cluster.createSnapshotTopic(snapshotTopic) }
        let producer = try KafkaProducer(configuration: bench.settings.producer(bench.cluster), logger: bench.logger)
        if !stepwise { try produce(workload, events: 0..<workload.count, to: topics.input, with: producer) }
        let firstRun = Task { try await first.run() }
        do {
            if stepwise {
                for step in stride(from: 0, to: workload.count, by: Self.feedStep) {
                    let events = step..<min(step + Self.feedStep, workload.count)
                    try produce(workload, events: events, to: topics.input, with: producer)
                    try await waitUntilRead(first, events: events.upperBound)
                }
            }
            try await waitUntilSettled(first, events: workload.count)
        } catch {
            // Say whether the broker still holds the whole input: the mock drops the oldest messages.
            let probe = try KafkaConsumer(configuration: bench.settings.consumer(bench.cluster, group: "\(label)-probe"), logger: bench.logger)
            let oldest = try (0..<Int32(Self.partitions)).map { try probe.queryWatermarks(of: TopicPartition(topic: topics.input, partition: $0)) }
            first.requestStop()
            try? await firstRun.value
            throw RestoreFailure.withWatermarks("\(error); input partitions (oldest, end): \(oldest)")
        }
        let settled = first.status.snapshot
        first.requestStop()
        try await firstRun.value
        return History(
            configuration: configuration, topics: first.topology.topics, status: first.status.snapshot, held: settled.windowState,
            evaluations: settled.eventsConsumed + settled.repartitionedEventsConsumed)
    }

    /// The restore when the member loaded a snapshot for every partition and replayed nothing;
    /// otherwise nil, with the failure added to the report.
    private static func loadedEverySnapshot(_ restored: Restored?, of history: String, into report: inout ScenarioReport) -> Restored? {
        let partitions = 3 * Self.partitions
        if let restored, restored.loaded == partitions, restored.replayed == 0 { return restored }
        report.failures.append(
            "the member restoring the \(history) did not load all \(partitions) snapshots within 300 s: \(String(describing: restored))")
        return nil
    }

    /// How much event time `events` of the workload span, in units of `seconds`.
    private static func eventTimeSpan(_ events: Int, in seconds: Double) -> String {
        let spacing = Double(BenchmarkTraffic.Configuration().spacingMilliseconds) / 1000
        return ReportTable.format(Double(events) * spacing / seconds)
    }

    private static func describeSnapshots(_ status: PipelineSnapshot) -> String {
        "\(status.snapshotsWritten) of them, \(status.snapshotBytesWritten) bytes, taken in \(ReportTable.format(status.snapshotTime.seconds)) s"
    }

    private struct Restored: CustomStringConvertible {
        let seconds: Double
        let replayed: Int
        let loaded: Int
        let state: Engine.StateSummary

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
            state: snapshot.windowState)
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

    private func produce(_ workload: TrafficBatch, events: Range<Int>, to topic: String, with producer: KafkaProducer) throws {
        try workload.bytes.withUnsafeBytes { bytes in
            for index in events {
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

    /// Waits until the member has read the first `events` input events, and their repartitioned
    /// copies up to one feeding step behind, so that no topic grows past what the mock keeps.
    private func waitUntilRead(_ pipeline: Pipeline, events: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let snapshot = pipeline.status.snapshot
            if snapshot.phase == .failed { throw RestoreFailure.firstMemberFailed }
            if snapshot.eventsConsumed >= events, snapshot.repartitionedEventsConsumed >= 2 * (events - Self.feedStep) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RestoreFailure.historyNotConsumed(pipeline.status.snapshot.eventsConsumed, of: events)
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
