import Logging
import VigilKafka

/// Writes partition snapshots to the snapshot topic at commits, and reads one back for a
/// partition's new owner.
///
/// A snapshot is split into chunks below Kafka's default message size. Every chunk names the
/// partition and position it belongs to in its `vigil.snapshot` header, so the chunks of one
/// snapshot are found among those of others written to the same snapshot partition. The commit
/// that follows the chunks' acknowledgement names their offsets (see ``SnapshotReference``), so a
/// reader reads only around them and never searches the topic, and a snapshot never counts
/// before it is durable.
final class SnapshotStore {
    static let header: StaticString = "vigil.snapshot"
    /// Below the 1 MB that brokers and librdkafka accept by default.
    static let chunkBytes = 512 * 1024

    let topic: String
    private let partitionCount: Int32
    private let readerConfiguration: ConsumerConfiguration
    private let logger: Logger
    /// Assigned to the snapshot partitions to read only while snapshots are read; made on first use.
    private var reader: KafkaConsumer?
    private var nextTag: UInt = 1

    init(topic: String, partitionCount: Int32, consumer: ConsumerConfiguration, logger: Logger) {
        self.topic = topic
        self.partitionCount = max(1, partitionCount)
        var configuration = consumer
        configuration.groupID += ".snapshot-reader"
        configuration.groupInstanceID = nil
        configuration.fetchWaitMaxMilliseconds = 10
        self.readerConfiguration = configuration
        self.logger = logger
    }

    /// Chunks sent and not yet known to be acknowledged.
    struct Written {
        let snapshotPartition: Int32
        let tags: Range<UInt>
        let position: Int64
        let bytes: Int
    }

    /// Queues a serialized snapshot's chunks on the producer; ``reference(to:delivered:)`` locates
    /// them after a flush.
    func send(_ bytes: [UInt8], at position: Int64, of source: TopicPartition, with producer: KafkaProducer) throws(KafkaError) -> Written {
        let chunkCount = max(1, (bytes.count + Self.chunkBytes - 1) / Self.chunkBytes)
        let partition = Int32(truncatingIfNeeded: Int(source.partition) % Int(partitionCount))
        let identity = Self.identity(of: source, position: position)
        let key = Array("\(source.topic)/\(source.partition)".utf8)
        let firstTag = nextTag
        // Chunks are handed to librdkafka, which copies them, straight from the snapshot's bytes.
        // `withUnsafeBytes` rethrows untyped errors, so the typed error is carried out by hand.
        let sent: Result<Void, KafkaError> = bytes.withUnsafeBytes { all in
            key.withUnsafeBytes { keyBytes in
                Result { () throws(KafkaError) in
                    for index in 0..<chunkCount {
                        let chunk = UnsafeRawBufferPointer(rebasing: all[(index * Self.chunkBytes)..<min(all.count, (index + 1) * Self.chunkBytes)])
                        let header = Array("\(identity) \(index)/\(chunkCount)".utf8)
                        try producer.send(
                            topic: topic, partition: partition, key: keyBytes, value: chunk, headers: [(Self.header, header)],
                            deliveryTag: nextTag)
                        nextTag += 1
                    }
                }
            }
        }
        try sent.get()
        return Written(snapshotPartition: partition, tags: firstTag..<nextTag, position: position, bytes: bytes.count)
    }

    /// Where the chunks landed; nil unless every one of them was acknowledged.
    func reference(to written: Written, delivered: [UInt: Int64]) -> SnapshotReference? {
        let offsets = written.tags.compactMap { delivered[$0] }
        guard offsets.count == written.tags.count, let first = offsets.min(), let last = offsets.max() else { return nil }
        return SnapshotReference(partition: written.snapshotPartition, firstOffset: first, lastOffset: last, position: written.position)
    }

    /// Why a snapshot could not be loaded; the partition is then restored by replay.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the snapshots the references name, each checked whole (every chunk, the checksum,
    /// the position) before it is handed out.
    ///
    /// Every snapshot partition is read at once. Snapshots on one partition whose chunks lie close
    /// together are read in one sweep; those far apart (an idle partition's old snapshot beside a
    /// busy one's new one) in passes of their own, so nothing in between is read.
    /// - Returns: per source partition, its snapshot or why it cannot be used.
    func load(_ references: [TopicPartition: SnapshotReference], timeout: Duration) -> [TopicPartition: Result<PartitionSnapshot, Unavailable>] {
        guard !references.isEmpty else { return [:] }
        var assembly = Dictionary(uniqueKeysWithValues: references.map { ($0.key, Assembly(reference: $0.value, source: $0.key)) })
        var stopped: Unavailable?
        do {
            let reader = try openReader()
            let held = try heldOffsets(of: Set(references.values.map(\.partition)), by: reader)
            for (source, reference) in references
            where !(held[reference.partition].map { $0.contains(reference.firstOffset) && $0.contains(reference.lastOffset) } ?? false) {
                assembly[source]?.refusal = "its chunks are no longer on \(topic)[\(reference.partition)] (retention)"
            }
            let deadline = ContinuousClock.now + timeout
            for pass in Self.passes(assembly.values.filter { $0.refusal == nil }.map(\.reference)) {
                stopped = try read(pass, into: &assembly, with: reader, until: deadline)
                if stopped != nil { break }
            }
        } catch {
            stopped = Unavailable(description: "cannot read \(topic): \(error)")
            close()
        }
        // One snapshot at a time, its chunks dropped as soon as it is assembled, so that the
        // chunks and the assembled snapshots are not all held at once.
        var loaded: [TopicPartition: Result<PartitionSnapshot, Unavailable>] = [:]
        for source in Array(assembly.keys) {
            guard let part = assembly.removeValue(forKey: source) else { continue }
            if let stopped, part.refusal == nil, !part.isComplete {
                loaded[source] = .failure(stopped)
            } else {
                loaded[source] = part.snapshot()
            }
        }
        return loaded
    }

    private func openReader() throws(KafkaError) -> KafkaConsumer {
        if let reader { return reader }
        let created = try KafkaConsumer(configuration: readerConfiguration, logger: logger)
        reader = created
        return created
    }

    /// The offsets each snapshot partition still holds.
    private func heldOffsets(of partitions: Set<Int32>, by reader: KafkaConsumer) throws(KafkaError) -> [Int32: Range<Int64>] {
        var held: [Int32: Range<Int64>] = [:]
        for partition in partitions {
            let (low, high) = try reader.queryWatermarks(of: TopicPartition(topic: topic, partition: partition))
            held[partition] = low..<max(low, high)
        }
        return held
    }

    /// Chunks of different snapshots closer than this many offsets are read in one sweep.
    private static let sweepGap: Int64 = 256

    /// The ranges to read, pass by pass: per snapshot partition, the snapshots' ranges in offset
    /// order, merged where they lie close together; each pass reads the next range of every partition.
    static func passes(_ references: [SnapshotReference]) -> [[Int32: ClosedRange<Int64>]] {
        var ranges: [Int32: [ClosedRange<Int64>]] = [:]
        for reference in references.sorted(by: { $0.firstOffset < $1.firstOffset }) {
            let range = reference.firstOffset...reference.lastOffset
            var list = ranges[reference.partition, default: []]
            // Offsets are never negative, so the difference cannot overflow.
            if let last = list.last, range.lowerBound - last.upperBound <= sweepGap {
                list[list.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                list.append(range)
            }
            ranges[reference.partition] = list
        }
        let count = ranges.values.map(\.count).max() ?? 0
        return (0..<count).map { pass in ranges.compactMapValues { $0.count > pass ? $0[pass] : nil } }
    }

    /// Reads every range until its end, handing each chunk to the snapshot it belongs to.
    /// - Returns: why reading stopped early (the deadline passed), or nil when every range was read.
    private func read(
        _ ranges: [Int32: ClosedRange<Int64>], into assembly: inout [TopicPartition: Assembly], with reader: KafkaConsumer,
        until deadline: ContinuousClock.Instant
    ) throws(KafkaError) -> Unavailable? {
        try reader.assign(ranges.map { TopicPartitionOffset(TopicPartition(topic: topic, partition: $0.key), offset: $0.value.lowerBound) })
        defer { try? reader.assign([]) }
        let sources = Dictionary(assembly.map { ($0.value.identity, $0.key) }, uniquingKeysWith: { first, _ in first })
        var unfinished = Set(ranges.keys)
        while !unfinished.isEmpty {
            guard ContinuousClock.now < deadline else { return Unavailable(description: "not read before the snapshot load timeout") }
            let batch = try reader.poll(maxMessages: 256, timeout: .milliseconds(100))
            for index in 0..<batch.count {
                let message = batch[index]
                guard let range = ranges[message.partition], unfinished.contains(message.partition) else { continue }
                if message.offset >= range.upperBound { unfinished.remove(message.partition) }
                guard range.contains(message.offset), let (identity, chunk, count) = message.withHeader(Self.header, Self.chunk(of:)),
                    let source = sources[identity]
                else { continue }
                assembly[source]?.add(chunk: chunk, of: count, at: message.offset, bytes: message.value)
            }
        }
        return nil
    }

    /// One snapshot's chunks as they arrive.
    private struct Assembly {
        let reference: SnapshotReference
        let identity: String
        var chunks: [Int: [UInt8]] = [:]
        var chunkCount: Int?
        var disagrees = false
        /// Why the snapshot is not even read.
        var refusal: String?

        init(reference: SnapshotReference, source: TopicPartition) {
            self.reference = reference
            self.identity = SnapshotStore.identity(of: source, position: reference.position)
        }

        var isComplete: Bool { chunkCount.map { chunks.count == $0 } ?? false }

        /// Takes a chunk of this snapshot's identity only from the offsets the commit named: a
        /// write of the same state that was never named (its commit was refused) is ignored.
        mutating func add(chunk: Int, of count: Int, at offset: Int64, bytes: UnsafeRawBufferPointer) {
            guard (reference.firstOffset...reference.lastOffset).contains(offset) else { return }
            if let chunkCount, chunkCount != count { disagrees = true }
            chunkCount = count
            chunks[chunk] = Array(bytes)
        }

        func snapshot() -> Result<PartitionSnapshot, Unavailable> {
            if let refusal { return .failure(Unavailable(description: refusal)) }
            guard !disagrees else { return .failure(Unavailable(description: "its chunks disagree on their number")) }
            guard let chunkCount, isComplete else {
                let found = "\(chunks.count) of \(chunkCount.map(String.init) ?? "?") chunks found"
                return .failure(Unavailable(description: "\(found) (retention may have removed them)"))
            }
            do {
                let snapshot = try PartitionSnapshot(serialized: (0..<chunkCount).flatMap { chunks[$0] ?? [] })
                guard snapshot.position == reference.position else {
                    return .failure(Unavailable(description: "it holds position \(snapshot.position), not \(reference.position)"))
                }
                return .success(snapshot)
            } catch {
                return .failure(Unavailable(description: "unreadable: \(error)"))
            }
        }
    }

    func close() {
        _ = reader?.close(timeout: .seconds(2))
        reader = nil
    }

    private static func identity(of source: TopicPartition, position: Int64) -> String {
        "\(source.topic)/\(source.partition)@\(position)"
    }

    /// The identity, chunk index and chunk count a header names.
    private static func chunk(of header: UnsafeRawBufferPointer?) -> (String, Int, Int)? {
        guard let header else { return nil }
        let text = String(decoding: header, as: UTF8.self)
        guard let space = text.lastIndex(of: " ") else { return nil }
        let numbers = text[text.index(after: space)...].split(separator: "/")
        guard numbers.count == 2, let index = Int(numbers[0]), let count = Int(numbers[1]), index >= 0, index < count else { return nil }
        return (String(text[..<space]), index, count)
    }
}
