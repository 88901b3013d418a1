import Logging
import VigilKafka
import VigilPipeline
import VigilValues

/// Where reading a topic starts: the alert topics for `vigil tail`, the input for `vigil backtest`.
enum AlertStart: Equatable {
    case beginning
    case latest
    /// The first alert published at or after this epoch-millisecond time (the message timestamp).
    case time(Int64)

    /// `beginning`, `latest`, an RFC 3339 time, or a duration ago such as `15m`.
    init?(argument: String) {
        switch argument {
        case "beginning": self = .beginning
        case "latest": self = .latest
        default:
            if let time = RFC3339.parseMilliseconds(argument.utf8) {
                self = .time(time)
            } else if let ago = HumanDuration(argument: argument) {
                self = .time(EpochClock.nowMilliseconds() - ago.milliseconds)
            } else {
                return nil
            }
        }
    }
}

/// Reads alert topics for people watching them (`vigil tail`, the demo): every partition is
/// assigned directly, so nothing waits for a group rebalance and several readers never split the alerts.
///
/// With `commitsProgress` the consumer's group remembers what was read: a later reader of the same
/// group resumes there instead of at the start position.
final class AlertTopicReader {
    private let consumer: KafkaConsumer
    private let commitsProgress: Bool
    private var earliestTimestamp: Int64?

    init(configuration: ConsumerConfiguration, commitsProgress: Bool, logger: Logger) throws {
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.commitsProgress = commitsProgress
    }

    deinit {
        consumer.close(timeout: .seconds(3))
    }

    /// `bootstrap.servers` as the consumer uses it (`-X` may have replaced `--brokers`).
    var brokers: String { consumer.brokers }

    /// Assigns every partition of `topics` at its start position.
    /// - Returns: the partitions assigned.
    @discardableResult
    func start(topics: [String], from start: AlertStart) throws -> [TopicPartition] {
        let partitions = try topics.flatMap { try consumer.partitions(of: $0) }
        let initial = start == .latest ? TopicPartitionOffset.end : TopicPartitionOffset.beginning
        var offsets = Dictionary(uniqueKeysWithValues: partitions.map { ($0, initial) })
        if case .time(let time) = start {
            // Brokers answer "none" both when nothing is that new and when they cannot look times up
            // (librdkafka's mock cluster): such partitions are read from the start, and older alerts skipped here.
            earliestTimestamp = time
            for (partition, offset) in consumer.offsets(for: partitions, atOrAfter: time) { offsets[partition] = offset ?? TopicPartitionOffset.beginning }
        }
        if commitsProgress {
            for entry in try consumer.committed(partitions) where entry.offset >= 0 { offsets[entry.topicPartition] = entry.offset }
        }
        try consumer.assign(offsets.map { TopicPartitionOffset($0.key, offset: $0.value) }.sorted { $0.topicPartition < $1.topicPartition })
        return partitions
    }

    /// Hands each message to `handle` until `signal` is raised or `handle` returns false.
    func read(until signal: StopSignal, _ handle: (KafkaMessage) throws -> Bool) throws {
        while !signal.isRequested {
            let batch = try consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
            var positions: [TopicPartition: Int64] = [:]
            var goesOn = true
            for index in 0..<batch.count where goesOn {
                let message = batch[index]
                positions[message.topicPartition] = message.offset + 1
                if let earliestTimestamp, let time = message.timestampMilliseconds, time < earliestTimestamp { continue }
                goesOn = try handle(message)
            }
            if commitsProgress { try consumer.commit(positions.map { TopicPartitionOffset($0.key, offset: $0.value) }) }
            if !goesOn { return }
        }
    }
}
