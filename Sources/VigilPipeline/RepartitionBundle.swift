import VigilKafka

/// Input events bound for one partition of a repartition topic, carried by one Kafka message.
///
/// Writing every input event to each repartition topic as a message of its own made the broker
/// and both clients handle three messages per event for rules keyed by account and device, and
/// that per-message work, not evaluation, bounded the pipeline. A poll batch now writes one
/// message per input partition and destination partition. Vigil picks the destination itself, as
/// librdkafka's default partitioner would for the event's key, so a key's events still meet in one
/// partition whichever input partition they come from, and a topic that still holds records
/// written one by one (by an earlier version) keeps each key where it was.
///
/// Layout of the value, for each event in input order: its input offset (8 bytes) and its length
/// (4 bytes), both little-endian, then its bytes exactly as read from the input. The headers carry
/// the format (`vigil.bundle: 1`) and the input partition and first offset, as a single record's do.
enum RepartitionBundle {
    static let formatHeader: StaticString = "vigil.bundle"
    /// Marks a bundle of history: input events evaluated before a reload added the topic, sent
    /// so that its windows start with what they reach. They fill windows; no rule runs on them.
    static let historyHeader: StaticString = "vigil.history"
    static let formatVersion = UInt8(ascii: "1")
    /// A bundle is sent once it holds this much, well under librdkafka's default `message.max.bytes`.
    static let targetBytes = 256 * 1024
    private static let entryHeaderBytes = 12

    /// Whether a repartition message is a bundle (else a record of one event); nil for an unknown format.
    static func isBundle(_ message: KafkaMessage) -> Bool? {
        message.withHeader(formatHeader) { value -> Bool? in
            guard let value else { return false }
            return value.count == 1 && value[0] == formatVersion
        }
    }

    /// Whether a repartition message carries history (see ``historyHeader``).
    static func isHistory(_ message: KafkaMessage) -> Bool {
        message.withHeader(historyHeader) { $0 != nil }
    }

    /// One bundle being filled.
    struct Writer {
        let inputPartition: Int32
        let firstOffset: Int64
        let isHistory: Bool
        private(set) var bytes: [UInt8] = []

        init(inputPartition: Int32, firstOffset: Int64, isHistory: Bool = false) {
            self.inputPartition = inputPartition
            self.firstOffset = firstOffset
            self.isHistory = isHistory
            bytes.reserveCapacity(16 * 1024)
        }

        mutating func append(_ event: UnsafeRawBufferPointer, offset: Int64) {
            withUnsafeBytes(of: UInt64(bitPattern: offset).littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: event.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: event)
        }

        var isFull: Bool { bytes.count >= RepartitionBundle.targetBytes }

        var headers: [(name: StaticString, value: [UInt8])] {
            [(RepartitionBundle.formatHeader, [RepartitionBundle.formatVersion])]
                + RepartitionOrigin.headers(partition: inputPartition, offset: firstOffset)
                + (isHistory ? [(RepartitionBundle.historyHeader, Array("1".utf8))] : [])
        }
    }

    /// One event of a bundle; `bytes` lives as long as the consumed message.
    struct Entry {
        let offset: Int64
        let bytes: UnsafeRawBufferPointer
    }

    /// The events of a bundle's value, checked whole before the first is handed out.
    struct Entries: Sequence {
        private let value: UnsafeRawBufferPointer

        /// Nil when the layout is broken: a length running past the end, a negative offset,
        /// offsets out of order, or no event at all.
        init?(_ value: UnsafeRawBufferPointer) {
            var position = 0
            var previous = Int64.min
            while position < value.count {
                guard let (entry, next) = Self.entry(in: value, at: position), entry.offset > previous, entry.offset >= 0
                else { return nil }
                previous = entry.offset
                position = next
            }
            guard previous >= 0 else { return nil }
            self.value = value
        }

        func makeIterator() -> Iterator {
            Iterator(value: value)
        }

        struct Iterator: IteratorProtocol {
            let value: UnsafeRawBufferPointer
            var position = 0

            mutating func next() -> Entry? {
                guard position < value.count, let (entry, next) = Entries.entry(in: value, at: position) else { return nil }
                position = next
                return entry
            }
        }

        /// The entry at `position` and the position after it, or nil when it does not fit.
        fileprivate static func entry(in value: UnsafeRawBufferPointer, at position: Int) -> (Entry, Int)? {
            guard value.count - position >= RepartitionBundle.entryHeaderBytes else { return nil }
            let offset = Int64(bitPattern: UInt64(littleEndian: value.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
            let length = Int(UInt32(littleEndian: value.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self)))
            let start = position + RepartitionBundle.entryHeaderBytes
            guard length <= value.count - start else { return nil }
            return (Entry(offset: offset, bytes: UnsafeRawBufferPointer(rebasing: value[start..<(start + length)])), start + length)
        }
    }
}

/// The bundles of one poll batch, by repartition route, destination partition and input partition.
struct RepartitionBundler {
    struct Destination: Hashable {
        /// The position of the route in ``RepartitionRouter/routes``, which is fixed within a batch.
        let route: Int
        let partition: Int32
        let inputPartition: Int32
        /// Whether the events are history for a topic a reload added (see ``RepartitionBundle/historyHeader``).
        var isHistory = false
    }

    private var open: [Destination: RepartitionBundle.Writer] = [:]
    /// How many of the open bundles hold history, so that live events look for one only then.
    private var openHistory = 0

    var isEmpty: Bool { open.isEmpty }

    /// Adds an input event; returns the bundles to send now, in order, removed from the open ones:
    /// the destination's when it is full, and before a live event, the history bundle open for the
    /// same destination, which must reach the topic first (the repartition partition skips an
    /// input offset below one it has counted).
    mutating func add(_ event: UnsafeRawBufferPointer, offset: Int64, to destination: Destination) -> [(Destination, RepartitionBundle.Writer)] {
        var ready: [(Destination, RepartitionBundle.Writer)] = []
        if openHistory > 0, !destination.isHistory {
            var history = destination
            history.isHistory = true
            if let bundle = open.removeValue(forKey: history) {
                openHistory -= 1
                ready.append((history, bundle))
            }
        }
        if destination.isHistory, open[destination] == nil { openHistory += 1 }
        let isFull = Self.append(
            event, offset: offset,
            to: &open[
                destination,
                default: RepartitionBundle.Writer(inputPartition: destination.inputPartition, firstOffset: offset, isHistory: destination.isHistory)
            ])
        if isFull, let bundle = open.removeValue(forKey: destination) {
            if destination.isHistory { openHistory -= 1 }
            ready.append((destination, bundle))
        }
        return ready
    }

    /// Every bundle still open, which the batch must send before it commits; history first.
    mutating func drain() -> [(Destination, RepartitionBundle.Writer)] {
        defer {
            open.removeAll()
            openHistory = 0
        }
        return open.map { ($0.key, $0.value) }.sorted { $0.0.isHistory && !$1.0.isHistory }
    }

    /// Appends in place (the dictionary's slot is written through) and tells whether the bundle is full.
    private static func append(_ event: UnsafeRawBufferPointer, offset: Int64, to writer: inout RepartitionBundle.Writer) -> Bool {
        writer.append(event, offset: offset)
        return writer.isFull
    }
}
