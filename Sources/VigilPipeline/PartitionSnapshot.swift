import CZlib
import VigilEngine
import VigilWindows

/// A partition's state at an offset: its engine's snapshot and, on a repartition topic, which
/// input offsets it has counted. Taken at a commit, so that a new owner of the partition loads it
/// instead of replaying the whole history its windows reach back to.
///
/// Format, version 1 (varints as in `VigilWindows`):
///
///     "VGPS" version:u8 position:varint countedCount:varint (inputPartition:zigzag offset:zigzag)…
///     engineLength:varint engine bytes ("VGES" …) crc32:u32 little-endian over everything before it
struct PartitionSnapshot: Equatable {
    /// Every message of the partition before this offset is counted in the state, none after.
    let position: Int64
    let countedInputOffsets: [Int32: Int64]
    /// The engine's snapshot; read from a serialized partition snapshot, a part of its bytes, not a copy.
    let engine: ArraySlice<UInt8>

    private static let signature: [UInt8] = Array("VGPS".utf8)
    private static let version: UInt8 = 1

    init(position: Int64, countedInputOffsets: [Int32: Int64], engine: ArraySlice<UInt8>) {
        self.position = position
        self.countedInputOffsets = countedInputOffsets
        self.engine = engine
    }

    func serialized() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.bytes.reserveCapacity(engine.count + 64)
        writer.writeSignature(Self.signature, version: Self.version)
        writer.writeVarint(UInt64(position))
        writer.writeVarint(UInt64(countedInputOffsets.count))
        for (partition, offset) in countedInputOffsets.sorted(by: { $0.key < $1.key }) {
            writer.writeSigned(Int64(partition))
            writer.writeSigned(offset)
        }
        writer.writeVarint(UInt64(engine.count))
        writer.bytes.append(contentsOf: engine)
        let checksum = Self.checksum(writer.bytes[...])
        for shift in stride(from: 0, to: 32, by: 8) { writer.bytes.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        return writer.bytes
    }

    /// Refuses bytes whose checksum does not match before reading anything else from them.
    init(serialized bytes: [UInt8]) throws(WindowSnapshotError) {
        guard bytes.count >= Self.signature.count + 5 else { throw .truncated }
        let body = bytes[..<(bytes.count - 4)]
        let stored = bytes[(bytes.count - 4)...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard stored == Self.checksum(body) else { throw .malformed("checksum mismatch") }
        var reader = SnapshotReader(bytes: body)
        try reader.readSignature(Self.signature, version: Self.version)
        guard let position = Int64(exactly: try reader.readVarint()) else { throw .malformed("position") }
        var counted: [Int32: Int64] = [:]
        for _ in 0..<(try reader.readCount()) {
            guard let partition = Int32(exactly: try reader.readSigned()) else { throw .malformed("input partition") }
            counted[partition] = try reader.readSigned()
        }
        let engine = try reader.readBytes(try reader.readCount())
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
        self.init(position: position, countedInputOffsets: counted, engine: engine)
    }

    private static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc: uLong = crc32(0, nil, 0)
            var start = buffer.baseAddress
            var left = buffer.count
            // zlib takes lengths as 32-bit integers.
            while left > 0, let base = start {
                let step = min(left, 1 << 30)
                crc = crc32(crc, base, uInt(step))
                start = base + step
                left -= step
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}

/// One partition's snapshot taken into its engine, on a thread of its own.
/// `@unchecked Sendable`: while it runs it is the only user of its task (and so of the task's
/// engine), and the worker reads the outcome only after every restore has finished.
final class SnapshotRestore: @unchecked Sendable {
    let task: PartitionTask
    private let reference: SnapshotReference
    /// Dropped once restored, so that each snapshot's bytes go as soon as its engine is rebuilt.
    private var loaded: Result<PartitionSnapshot, SnapshotStore.Unavailable>?
    /// Whether the restore completed (the snapshot is at the committed offset), or why the
    /// snapshot could not be used; nil before ``run()`` or when nothing was loaded.
    private(set) var outcome: Result<Bool, any Error>?

    init(task: PartitionTask, reference: SnapshotReference, loaded: Result<PartitionSnapshot, SnapshotStore.Unavailable>?) {
        self.task = task
        self.reference = reference
        self.loaded = loaded
    }

    func run() {
        guard let loaded else { return }
        self.loaded = nil
        outcome = Result { try task.restore(from: loaded.get(), reference: reference) }
    }
}

/// A partition's state frozen at a commit (``PartitionTask/freezeSnapshot()``), serialized
/// later: freezing copies no window entry, so the processing loop goes on while it is written.
struct FrozenPartitionSnapshot: Sendable {
    let position: Int64
    let countedInputOffsets: [Int32: Int64]
    let engine: FrozenEngineState

    func serialized() -> [UInt8] {
        PartitionSnapshot(position: position, countedInputOffsets: countedInputOffsets, engine: engine.serialized()[...]).serialized()
    }
}
