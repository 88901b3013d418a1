import Logging
import VigilKafka
import VigilPipeline

/// The names of one measured run's topics: every run gets fresh ones, so no run reads another's
/// backlog or inherits a partition the mock has already pruned.
struct RunTopics: Sendable {
    let input: String
    let output: String
}

/// The mock broker that every run of a scenario shares, so Vigil and the ceilings meet the same broker.
final class LoopbackCluster: Sendable {
    let cluster: MockCluster
    let partitions: Int
    private let runNumbers = SharedCounter()

    init(partitions: Int, logger: Logger) throws {
        self.cluster = try MockCluster(brokers: 1, logger: logger)
        self.partitions = partitions
    }

    var bootstrapServers: String { cluster.bootstrapServers }

    /// Creates the next run's input and output topics, plus the shadow and dead-letter topics a
    /// pipeline writes to (created up front: auto-created topics would cost a metadata round).
    func makeTopics(_ label: String) throws -> RunTopics {
        let number = runNumbers.add(1)
        let topics = RunTopics(input: "payments-\(label)-\(number)", output: "alerts-\(label)-\(number)")
        try cluster.createTopic(topics.input, partitions: partitions)
        try cluster.createTopic(topics.output, partitions: partitions)
        try cluster.createTopic("\(topics.output).shadow", partitions: 1)
        try cluster.createTopic("\(topics.input).dead-letter", partitions: 1)
        return topics
    }

    /// Creates the repartition topics a pipeline writes and reads, as wide as its input.
    func createRepartitionTopics(of pipeline: Pipeline) throws {
        for stage in pipeline.topology.repartitionStages {
            try cluster.createTopic(stage.topic, partitions: partitions)
        }
    }

    /// The topic partition snapshots are written to, as wide as the input.
    func createSnapshotTopic(_ topic: String) throws {
        try cluster.createTopic(topic, partitions: partitions)
    }
}
