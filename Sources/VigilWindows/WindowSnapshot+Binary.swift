import VigilValues

/// Snapshot format, version 1 (integers are LEB128 varints, signed ones zigzag-encoded first):
///
///     "VGWS" version:u8 function:u8 width:varint watermark:zigzag keyCount:varint
///     per key: keyLength:varint keyUTF8 observationCount:varint
///              firstTime:zigzag, then each later time as a varint delta from the previous
///              then, unless the function is a count, each observation's value as tag:u8 and payload:
///                  0 number → units:zigzag, 1 string → length:varint UTF-8, 2 false, 3 true
///                  (sums and extremes accept numbers only)
extension WindowSnapshot {
    private static let signature: [UInt8] = Array("VGWS".utf8)
    private static let version: UInt8 = 1

    package func serialized() -> [UInt8] {
        var writer = SnapshotWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// Appends the snapshot, so that a larger format can embed it.
    package func write(to writer: inout SnapshotWriter) {
        writer.bytes.append(contentsOf: Self.signature)
        writer.bytes.append(Self.version)
        writer.bytes.append(function.rawValue)
        writer.writeVarint(UInt64(bitPattern: widthMilliseconds))
        writer.writeSigned(watermark)
        writer.writeVarint(UInt64(keys.count))
        for history in keys { write(history, to: &writer) }
    }

    package init(serialized bytes: [UInt8]) throws(WindowSnapshotError) {
        var reader = SnapshotReader(bytes: bytes)
        try self.init(from: &reader)
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
    }

    /// Reads one snapshot and leaves the reader after it.
    package init(from reader: inout SnapshotReader) throws(WindowSnapshotError) {
        guard try reader.readBytes(Self.signature.count).elementsEqual(Self.signature) else { throw .notASnapshot }
        let version = try reader.readByte()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard let function = WindowFunction(rawValue: try reader.readByte()) else {
            throw .malformed("unknown window function")
        }
        guard let width = Int64(exactly: try reader.readVarint()), width >= 1 else {
            throw .malformed("window width out of range")
        }
        let watermark = try reader.readSigned()
        let keyCount = try reader.readCount()
        var keys: [KeyHistory] = []
        for _ in 0..<keyCount { keys.append(try Self.readHistory(from: &reader, function: function)) }
        self.init(function: function, widthMilliseconds: width, watermark: watermark, keys: keys)
    }

    private func write(_ history: KeyHistory, to writer: inout SnapshotWriter) {
        writer.writeString(history.key)
        writer.writeVarint(UInt64(history.observations.count))
        var previous: Int64?
        for observation in history.observations {
            if let previous {
                writer.writeVarint(UInt64(bitPattern: observation.time &- previous))
            } else {
                writer.writeSigned(observation.time)
            }
            previous = observation.time
        }
        guard function != .count else { return }
        for observation in history.observations { writer.writeValue(observation.value) }
    }

    private static func readHistory(
        from reader: inout SnapshotReader, function: WindowFunction
    ) throws(WindowSnapshotError) -> KeyHistory {
        let key = try reader.readString()
        let count = try reader.readCount()
        var times: [Int64] = []
        times.reserveCapacity(count)
        var time = try count > 0 ? reader.readSigned() : 0
        for index in 0..<count {
            if index > 0 {
                guard let delta = Int64(exactly: try reader.readVarint()) else { throw .malformed("time delta") }
                let (next, overflow) = time.addingReportingOverflow(delta)
                guard !overflow else { throw .malformed("time overflow") }
                time = next
            }
            times.append(time)
        }
        var observations: [Observation] = []
        observations.reserveCapacity(count)
        for time in times {
            let value = try function == .count ? nil : reader.readValue(distinct: function == .distinctCount)
            observations.append(Observation(time: time, value: value))
        }
        return KeyHistory(key: key, observations: observations)
    }
}
