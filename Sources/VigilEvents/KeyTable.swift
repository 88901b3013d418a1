import VigilValues

/// The fields every payment event must carry, whatever the rule plan reads.
enum RequiredField {
    case eventID, timestamp, amount

    var name: String {
        switch self {
        case .eventID: "event_id"
        case .timestamp: "ts"
        case .amount: "amount"
        }
    }
}

/// A rule plan field a key's value is copied into.
struct FieldTarget {
    let index: Int
    let type: ValueType
}

/// What the decoder does with one key: fill a required field, plan fields, or both.
struct KeyEntry {
    let required: RequiredField?
    /// Positions in ``KeyTable/targets``.
    let targets: Range<Int>
}

/// A key as the table compares it first: its length and its first eight bytes in one word.
struct KeyProbe {
    let length: Int
    /// The first `min(length, 8)` bytes, the first in the lowest bits, zero-padded.
    let prefix: UInt64

    init(length: Int, prefix: UInt64) {
        self.length = length
        self.prefix = prefix
    }

    init(_ bytes: some Collection<UInt8>) {
        var prefix: UInt64 = 0
        for (position, byte) in bytes.prefix(8).enumerated() {
            prefix |= UInt64(byte) << (8 * position)
        }
        self.init(length: bytes.count, prefix: prefix)
    }

    /// Keeps the low `length` bytes of a word loaded from the key's start.
    @inline(__always)
    static func prefixMask(length: Int) -> UInt64 {
        length >= 8 ? .max : (1 << (8 * UInt64(length))) &- 1
    }

    /// One of 64 buckets; multiplying spreads the prefix's bytes into the top bits.
    var bucket: Int {
        Int(truncatingIfNeeded: ((prefix ^ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }
}

/// The keys the decoder cares about, matched against raw key bytes without allocating.
///
/// A key's length and first eight bytes pick a bucket and, for most names, settle the match in
/// one word comparison. A class, so that decoding a message borrows the table with one reference
/// count instead of one per array.
final class KeyTable: Sendable {
    /// Sorted by bucket, so that bucket `b` holds entries `bucketStarts[b]..<bucketStarts[b + 1]`.
    let entries: [KeyEntry]
    /// Entry names, for failure details.
    let names: [String]
    let targets: [FieldTarget]
    private let probes: [KeyProbe]
    /// Every name's UTF-8, concatenated in entry order, for names longer than eight bytes.
    private let nameBytes: [UInt8]
    /// Entry `i`'s name starts at `nameBytes[nameStarts[i]]`.
    private let nameStarts: [Int]
    private let bucketStarts: [Int]

    init(fields: [FieldSpec]) {
        var targetsByName: [String: [FieldTarget]] = [:]
        for (index, field) in fields.enumerated() {
            targetsByName[field.name, default: []].append(FieldTarget(index: index, type: field.type))
        }
        let required: [RequiredField] = [.eventID, .timestamp, .amount]
        let names = Set(targetsByName.keys).union(required.map(\.name))
            .sorted { (KeyProbe($0.utf8).bucket, $0) < (KeyProbe($1.utf8).bucket, $1) }
        var entries: [KeyEntry] = []
        var targets: [FieldTarget] = []
        for name in names {
            let start = targets.count
            targets += targetsByName[name] ?? []
            entries.append(KeyEntry(required: required.first { $0.name == name }, targets: start..<targets.count))
        }
        self.entries = entries
        self.names = names
        self.targets = targets
        probes = names.map { KeyProbe($0.utf8) }
        nameBytes = names.flatMap(\.utf8)
        nameStarts = names.reduce(into: [0]) { starts, name in starts.append(starts[starts.count - 1] + name.utf8.count)
        }
        let buckets = probes.map(\.bucket)
        bucketStarts = (0...64).map { bucket in buckets.firstIndex { $0 >= bucket } ?? buckets.count }
    }

    /// The index in ``entries`` of the name spelled by `key`, whose probe is `probe`, if any.
    @inline(__always)
    func entryIndex(of key: UnsafeRawBufferPointer, probe: KeyProbe) -> Int? {
        let bucket = probe.bucket
        for entry in bucketStarts[bucket]..<bucketStarts[bucket + 1] {
            let candidate = probes[entry]
            if candidate.length == probe.length, candidate.prefix == probe.prefix, tailMatches(key, entry: entry) {
                return entry
            }
        }
        return nil
    }

    /// Compares the bytes after the first eight, which the probe already covered.
    private func tailMatches(_ key: UnsafeRawBufferPointer, entry: Int) -> Bool {
        guard key.count > 8 else { return true }
        let start = nameStarts[entry]
        return nameBytes.withUnsafeBytes { names in
            for index in 8..<key.count where names[start + index] != key[index] {
                return false
            }
            return true
        }
    }
}
