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
    fileprivate static let signature: [UInt8] = Array("VGWS".utf8)
    fileprivate static let version: UInt8 = 1

    package func serialized() -> [UInt8] {
        var writer = SnapshotWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// Appends the snapshot, so that a larger format can embed it.
    package func write(to writer: inout SnapshotWriter) {
        Self.writeHeader(function: function, widthMilliseconds: widthMilliseconds, watermark: watermark, keyCount: keys.count, to: &writer)
        for history in keys {
            let observations = history.observations
            Self.writeHistory(
                key: history.key, count: observations.count, function: function, to: &writer,
                time: { observations[$0].time }, value: { observations[$0].value })
        }
    }

    static func writeHeader(function: WindowFunction, widthMilliseconds: Int64, watermark: Int64, keyCount: Int, to writer: inout SnapshotWriter) {
        writer.writeSignature(signature, version: version)
        writer.bytes.append(function.rawValue)
        writer.writeVarint(UInt64(bitPattern: widthMilliseconds))
        writer.writeSigned(watermark)
        writer.writeVarint(UInt64(keyCount))
    }

    /// One key's `count` observations in time order, read through `time` and `value` by position.
    static func writeHistory(
        key: String, count: Int, function: WindowFunction, to writer: inout SnapshotWriter,
        time: (Int) -> Int64, value: (Int) -> Value?
    ) {
        writer.writeString(key)
        writer.writeVarint(UInt64(count))
        var previous: Int64 = 0
        for position in 0..<count {
            let current = time(position)
            if position > 0 {
                writer.writeVarint(UInt64(bitPattern: current &- previous))
            } else {
                writer.writeSigned(current)
            }
            previous = current
        }
        guard function != .count else { return }
        for position in 0..<count { writer.writeValue(value(position)) }
    }

    package init(serialized bytes: [UInt8]) throws(WindowSnapshotError) {
        var reader = SnapshotReader(bytes: bytes)
        try self.init(from: &reader)
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
    }

    /// Reads one snapshot and leaves the reader after it.
    package init(from reader: inout SnapshotReader) throws(WindowSnapshotError) {
        let header = try Header(from: &reader)
        var decoder = HistoryDecoder(function: header.function)
        var keys: [KeyHistory] = []
        for _ in 0..<header.keyCount {
            try decoder.next(from: &reader)
            keys.append(KeyHistory(key: decoder.key, observations: zip(decoder.times, decoder.values).map(Observation.init)))
        }
        self.init(function: header.function, widthMilliseconds: header.widthMilliseconds, watermark: header.watermark, keys: keys)
    }

    /// What precedes the keys.
    struct Header {
        let function: WindowFunction
        let widthMilliseconds: Int64
        let watermark: Int64
        let keyCount: Int

        init(from reader: inout SnapshotReader) throws(WindowSnapshotError) {
            try reader.readSignature(WindowSnapshot.signature, version: WindowSnapshot.version)
            guard let function = WindowFunction(rawValue: try reader.readByte()) else {
                throw .malformed("unknown window function")
            }
            guard let width = Int64(exactly: try reader.readVarint()), width >= 1 else {
                throw .malformed("window width out of range")
            }
            self.function = function
            self.widthMilliseconds = width
            self.watermark = try reader.readSigned()
            self.keyCount = try reader.readCount()
        }
    }

}

/// Reads a window snapshot's keys one at a time into buffers it reuses, so that a store can be
/// restored without building every key's history first. Values are read as the function takes
/// them (numbers only for sums and extremes, none for a count), so a decoded history always suits
/// its store.
struct HistoryDecoder {
    let function: WindowFunction
    private(set) var key = ""
    private(set) var times: [Int64] = []
    private(set) var values: [Value?] = []

    init(function: WindowFunction) {
        self.function = function
    }

    mutating func next(from reader: inout SnapshotReader) throws(WindowSnapshotError) {
        key = try reader.readString()
        let count = try reader.readCount()
        times.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
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
        for _ in 0..<count {
            values.append(try function == .count ? nil : reader.readValue(distinct: function == .distinctCount))
        }
    }
}
