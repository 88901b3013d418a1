import Logging
import VigilKafka
import VigilPipeline

/// A plain librdkafka consumer: the Kafka layer's ceiling, measured on the same broker as Vigil.
///
/// In `readWrite` mode it does Vigil's Kafka work without the engine: per batch it writes one
/// small message per 100 read, waits for their acknowledgement and commits, which is the order
/// Vigil's at-least-once guarantee imposes. It reads every partition by assignment rather than by
/// group membership, which only saves the mock's group join. It checks that offsets follow on
/// without a gap, the sign of a consumer that fell behind the mock's retention.
final class CeilingConsumer: RunningSink {
    private let count: SharedCounter
    private let stop: StopSignal
    private let task: Task<SinkOutcome, any Error>

    /// Messages read for each one written in `readWrite` mode.
    static let readsPerWrite = 100

    init(writes: Bool, topics: RunTopics, cluster: LoopbackCluster, settings: KafkaSettings, logger: Logger) {
        let loop = CeilingLoop(writes: writes, topics: topics, cluster: cluster, settings: settings, logger: logger)
        let count = SharedCounter()
        let stop = StopSignal()
        self.count = count
        self.stop = stop
        task = Task {
            try await DedicatedThread.run(label: "vigil.bench.ceiling", signal: stop) { signal in
                try loop.run(until: signal) { count.add($0) }
            }
        }
    }

    var consumed: Int { count.count }

    func finish() async throws -> SinkOutcome {
        stop.request()
        return try await task.value
    }
}

/// The ceiling consumer's blocking loop, on its own thread.
private struct CeilingLoop: Sendable {
    let writes: Bool
    let topics: RunTopics
    let cluster: LoopbackCluster
    let settings: KafkaSettings
    let logger: Logger

    func run(until stop: StopSignal, progress: (Int) -> Void) throws -> SinkOutcome {
        let consumer = try KafkaConsumer(configuration: settings.consumer(cluster, group: "ceiling-\(topics.input)"), logger: logger)
        defer { consumer.close(timeout: .seconds(5)) }
        let partitions = (0..<cluster.partitions).map { TopicPartition(topic: topics.input, partition: Int32($0)) }
        try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        let producer = try writes ? KafkaProducer(configuration: settings.producer(cluster), logger: logger) : nil
        try producer?.prepare(topics: [topics.output])
        var next = [Int64](repeating: 0, count: cluster.partitions)
        var tally = (consumed: 0, skipped: 0, written: 0)
        let note = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
        while !stop.isRequested {
            let batch = try consumer.poll(maxMessages: 2000, timeout: .milliseconds(100))
            for index in 0..<batch.count {
                let message = batch[index]
                let partition = Int(message.partition)
                tally.skipped += Int(max(0, message.offset - next[partition]))
                next[partition] = max(next[partition], message.offset + 1)
                tally.consumed += 1
                if let producer, tally.consumed % CeilingConsumer.readsPerWrite == 0 {
                    try producer.send(topic: topics.output, key: nil, value: note)
                    tally.written += 1
                }
            }
            if let producer, !batch.isEmpty {
                let failures = try producer.flush()
                guard failures.isEmpty else { throw CeilingFailure.undelivered(failures.count) }
                try consumer.commit(zip(partitions, next).map { TopicPartitionOffset($0, offset: $1) })
            }
            progress(batch.count)
        }
        return SinkOutcome(consumed: tally.consumed, skipped: tally.skipped, written: tally.written)
    }
}

enum CeilingFailure: Error, CustomStringConvertible {
    case undelivered(Int)

    var description: String {
        switch self {
        case .undelivered(let count): "\(count) ceiling writes were not delivered"
        }
    }
}
