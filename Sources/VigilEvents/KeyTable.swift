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

/// The keys the decoder cares about, matched against raw key bytes without allocating.
///
/// Names are spread over buckets by length and first and last byte, so a key is compared with
/// about one candidate; a class, so that decoding a message borrows the table with one reference
/// count instead of one per array.
final class KeyTable: Sendable {
    private static let bucketCount = 64

    /// Sorted by bucket, so that bucket `b` holds entries `bucketStarts[b]..<bucketStarts[b + 1]`.
    let entries: [KeyEntry]
    /// Entry names, for failure details.
    let names: [String]
    let targets: [FieldTarget]
    /// Every name's UTF-8, concatenated in entry order.
    private let nameBytes: [UInt8]
    /// Entry `i`'s name is `nameBytes[nameStarts[i]..<nameStarts[i + 1]]`.
    private let nameStarts: [Int]
    private let bucketStarts: [Int]

    init(fields: [FieldSpec]) {
        var targetsByName: [String: [FieldTarget]] = [:]
        for (index, field) in fields.enumerated() {
            targetsByName[field.name, default: []].append(FieldTarget(index: index, type: field.type))
        }
        let required: [RequiredField] = [.eventID, .timestamp, .amount]
        let names = Set(targetsByName.keys).union(required.map(\.name))
            .sorted { (Self.bucket(of: $0.utf8), $0) < (Self.bucket(of: $1.utf8), $1) }
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
        nameBytes = names.flatMap(\.utf8)
        nameStarts = names.reduce(into: [0]) { starts, name in starts.append(starts[starts.count - 1] + name.utf8.count) }
        let buckets = names.map { Self.bucket(of: $0.utf8) }
        bucketStarts = (0...Self.bucketCount).map { bucket in buckets.firstIndex { $0 >= bucket } ?? buckets.count }
    }

    /// The index in ``entries`` of the name spelled by `key`, if any.
    func entryIndex(of key: UnsafeRawBufferPointer) -> Int? {
        let bucket = Self.bucket(of: key)
        for entry in bucketStarts[bucket]..<bucketStarts[bucket + 1] where matches(key, entry: entry) {
            return entry
        }
        return nil
    }

    private func matches(_ key: UnsafeRawBufferPointer, entry: Int) -> Bool {
        let start = nameStarts[entry]
        guard nameStarts[entry + 1] - start == key.count else { return false }
        return nameBytes.withUnsafeBytes { names in
            for index in 0..<key.count where names[start + index] != key[index] {
                return false
            }
            return true
        }
    }

    private static func bucket(of name: some BidirectionalCollection<UInt8>) -> Int {
        let mixed = name.count &* 31 &+ Int(name.first ?? 0) &* 7 &+ Int(name.last ?? 0)
        return mixed & (bucketCount - 1)
    }
}
