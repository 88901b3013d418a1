import Logging
import VigilKafka
import VigilValues

/// The messages a topic held when reading began, from a start time on, merged across partitions
/// by message timestamp (`vigil backtest --topic`).
///
/// Kafka orders messages only within a partition. A merge by timestamp hands them over in about
/// the order the topic received them, so a key whose events lie in several partitions (an account
/// whose cards hash apart) sees them as a replica reading all partitions would, and not one
/// partition's whole history before the next.
final class TopicHistory {
    /// One partition's place in the merge.
    private struct Lane {
        let partition: TopicPartition
        /// The end offset when reading began: the history stops there, whatever arrives later.
        let end: Int64
        /// The offset after the last message received.
        var next: Int64
        /// Received messages not yet handed over, oldest first, with their timestamps; each keeps
        /// its batch alive.
        var queue: [(batch: KafkaMessageBatch, index: Int, time: Int64)] = []
        var head = 0
        var isPaused = false
        /// Every message up to the end is received. Kept rather than asked for per message: it can
        /// change only with a poll, and asking means a call into librdkafka.
        var isComplete = false

        var pending: Int { queue.count - head }
    }

    /// A partition is paused with this many messages waiting (others lag behind in time) and
    /// resumed below a tenth of it, so memory stays bounded however uneven the partitions are.
    private static let pauseAbove = 20_000
    /// Reading fails when no partition delivers anything for this long.
    private static let stallLimit = Duration.seconds(30)

    private let consumer: KafkaConsumer
    private var lanes: [Lane]
    private let laneOfPartition: [Int32: Int]
    /// Messages older than this (by timestamp) are skipped: brokers that cannot look offsets up by
    /// time (librdkafka's mock cluster) are read from their oldest message.
    private let earliest: Int64?
    /// Messages between where reading starts and where the partitions ended, for progress.
    let total: Int64

    init(configuration: ConsumerConfiguration, topic: String, from earliest: Int64?, logger: Logger) throws {
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let partitions = try consumer.partitions(of: topic)
        let starts = earliest.map { consumer.offsets(for: partitions, atOrAfter: $0) } ?? [:]
        var lanes: [Lane] = []
        for partition in partitions {
            let (low, high) = try consumer.queryWatermarks(of: partition)
            let start = max(low, (starts[partition] ?? nil) ?? low)
            if start < high { lanes.append(Lane(partition: partition, end: high, next: start)) }
        }
        self.consumer = consumer
        self.lanes = lanes
        laneOfPartition = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($1.partition.partition, $0) })
        self.earliest = earliest
        total = lanes.reduce(0) { $0 + $1.end - $1.next }
        try consumer.assign(lanes.map { TopicPartitionOffset($0.partition, offset: $0.next) })
    }

    deinit {
        _ = consumer.close(timeout: .seconds(3))
    }

    /// Hands over every message of the history in timestamp order (ties by partition), then returns.
    func forEach(_ body: (KafkaMessage) throws -> Void) throws {
        var lastProgress = ContinuousClock.now
        while true {
            while let lane = nextLane() {
                let (batch, index, _) = lanes[lane].queue[lanes[lane].head]
                lanes[lane].head += 1
                if lanes[lane].head == lanes[lane].queue.count {
                    lanes[lane].queue.removeAll(keepingCapacity: true)
                    lanes[lane].head = 0
                }
                let message = batch[index]
                if let earliest, let time = message.timestampMilliseconds, time < earliest { continue }
                try body(message)
            }
            guard lanes.contains(where: { !$0.isComplete || $0.pending > 0 }) else { return }
            let batch = try consumer.poll(maxMessages: 2_000, timeout: .milliseconds(200))
            receive(batch)
            markCompleteLanes()
            if batch.isEmpty {
                guard ContinuousClock.now - lastProgress < Self.stallLimit else { throw stalled() }
                continue
            }
            lastProgress = .now
            adjustFetching()
        }
    }

    /// The lane whose waiting message is oldest, or nil while a partition that may still send an
    /// older one has nothing waiting.
    private func nextLane() -> Int? {
        var best: (lane: Int, time: Int64)?
        for (index, lane) in lanes.enumerated() {
            guard lane.pending > 0 else {
                if lane.isComplete { continue }
                return nil
            }
            let time = lane.queue[lane.head].time
            if let current = best, current.time <= time { continue }
            best = (index, time)
        }
        return best?.lane
    }

    /// Marks the lanes that have received every message up to their end (a transaction's markers
    /// take offsets too, so the consumer's position counts as well as the messages).
    private func markCompleteLanes() {
        for index in lanes.indices where !lanes[index].isComplete {
            let lane = lanes[index]
            lanes[index].isComplete = lane.next >= lane.end || (consumer.position(of: lane.partition) ?? 0) >= lane.end
        }
    }

    private func receive(_ batch: KafkaMessageBatch) {
        for index in 0..<batch.count {
            let message = batch[index]
            guard let lane = laneOfPartition[message.partition], message.offset < lanes[lane].end else { continue }
            lanes[lane].queue.append((batch, index, message.timestampMilliseconds ?? .min))
            lanes[lane].next = message.offset + 1
        }
    }

    private func adjustFetching() {
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        for index in lanes.indices {
            if !lanes[index].isPaused, lanes[index].pending > Self.pauseAbove {
                lanes[index].isPaused = true
                pause.append(lanes[index].partition)
            } else if lanes[index].isPaused, lanes[index].pending < Self.pauseAbove / 10 {
                lanes[index].isPaused = false
                resume.append(lanes[index].partition)
            }
        }
        consumer.pause(pause)
        consumer.resume(resume)
    }

    private func stalled() -> CommandFailure {
        let behind = lanes.filter { !$0.isComplete }.map { "\($0.partition) at offset \($0.next) of \($0.end)" }
        let waited = ReadableDuration.text(Self.stallLimit)
        return CommandFailure(description: "reading stopped: nothing arrived for \(waited) from \(behind.joined(separator: ", "))")
    }
}
