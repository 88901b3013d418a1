import Logging
import VigilKafka
import VigilPipeline
import VigilRules

/// Vigil's real `Pipeline` as the consumer under test, joined to the group on every partition.
///
/// Its progress is what it has committed: an input offset is committed only after the alerts of
/// its batch were acknowledged, so committed events are events "to committed alerts".
final class PipelineSink: RunningSink {
    let pipeline: Pipeline
    private let task: Task<Void, any Error>
    private let input: String

    /// Starts the pipeline and returns once the group has assigned it every partition of every
    /// topic it reads: the input and its repartition topics. (Waiting for the input's alone let a
    /// feed start before a repartition topic was assigned; the rebalance that followed stalls the
    /// mock broker's group for seconds, and a latency run once finished 8 s late that way.)
    init(
        topics: RunTopics, cluster: LoopbackCluster, plan: RulePlan, settings: KafkaSettings, evaluationThreads: Int = 1, logger: Logger
    ) async throws {
        var configuration = PipelineConfiguration(
            consumer: settings.consumer(cluster, group: "vigil-\(topics.input)"),
            producer: settings.producer(cluster),
            inputTopic: topics.input,
            alertTopic: topics.output
        )
        configuration.evaluationThreads = evaluationThreads
        let pipeline = try Pipeline(configuration: configuration, plan: plan, logger: logger)
        try cluster.createRepartitionTopics(of: pipeline)
        self.pipeline = pipeline
        self.input = topics.input
        task = Task { try await pipeline.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        let partitions = cluster.partitions * pipeline.topology.topics.count
        while pipeline.status.snapshot.assignment.count < partitions {
            if pipeline.status.snapshot.phase == .failed || ContinuousClock.now > deadline {
                pipeline.requestStop()
                try await task.value
                throw PipelineSinkFailure.notAssigned
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    var consumed: Int {
        pipeline.status.snapshot.committed.reduce(0) { $0 + ($1.key.topic == input ? Int($1.value) : 0) }
    }

    func finish() async throws -> SinkOutcome {
        pipeline.requestStop()
        try await task.value
        let snapshot = pipeline.status.snapshot
        let committed = snapshot.committed.reduce(0) { $0 + ($1.key.topic == input ? Int($1.value) : 0) }
        // Committed positions count every offset passed; consumed events count the messages seen.
        let batches = max(snapshot.batchesEvaluated, 1)
        let busy = snapshot.busyTime.seconds
        return SinkOutcome(
            consumed: committed, skipped: max(0, committed - snapshot.eventsConsumed), written: snapshot.alertCount,
            detail: "\(snapshot.batchesEvaluated) batches of \(snapshot.eventsConsumed / batches) input events (mean), "
                + "\(Int(busy * 1000 / Double(batches))) ms busy each, \(snapshot.commits) commits, \(snapshot.deadLetterCount) dead letters"
        )
    }
}

enum PipelineSinkFailure: Error, CustomStringConvertible {
    case notAssigned

    var description: String { "the pipeline did not get every partition within 60 s" }
}
