import VigilValues

/// Appends the varints, strings and values of the snapshot format; other snapshot formats
/// (an engine's, a partition's) build on it.
package struct SnapshotWriter {
    package var bytes: [UInt8] = []

    package init() {}

    /// A format's four-byte signature and version, which ``SnapshotReader/readSignature(_:version:)`` checks.
    package mutating func writeSignature(_ signature: [UInt8], version: UInt8) {
        bytes.append(contentsOf: signature)
        bytes.append(version)
    }

    package mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    package mutating func writeSigned(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func writeString(_ string: String) {
        writeVarint(UInt64(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }

    /// A tag byte and the payload; a missing value, which only a count may have, gets a tag that
    /// readers refuse, so an inconsistent snapshot fails to load instead of loading wrong.
    mutating func writeValue(_ value: Value?) {
        switch value {
        case .number(let number)?:
            bytes.append(0)
            writeSigned(number.units)
        case .string(let string)?:
            bytes.append(1)
            writeString(string)
        case .bool(let bool)?: bytes.append(bool ? 3 : 2)
        case nil: bytes.append(0xFF)
        }
    }
}

/// Reads the snapshot format, refusing anything that runs past the end or does not add up.
package struct SnapshotReader {
    let bytes: ArraySlice<UInt8>
    private var offset: Int

    /// Reads `bytes` where they are: a part of a larger buffer is not copied out first.
    package init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    package init(bytes: [UInt8]) {
        self.init(bytes: bytes[...])
    }

    package var isAtEnd: Bool { offset == bytes.endIndex }

    /// Refuses bytes of another format, or of a version this build does not read.
    package mutating func readSignature(_ signature: [UInt8], version: UInt8) throws(WindowSnapshotError) {
        _ = try readSignature(signature, versions: version...version)
    }

    /// Reads the signature and a version among `versions`, and returns the version.
    package mutating func readSignature(_ signature: [UInt8], versions: ClosedRange<UInt8>) throws(WindowSnapshotError) -> UInt8 {
        guard try readBytes(signature.count).elementsEqual(signature) else { throw .notASnapshot }
        let found = try readByte()
        guard versions.contains(found) else { throw .unsupportedVersion(found) }
        return found
    }

    package mutating func readByte() throws(WindowSnapshotError) -> UInt8 {
        guard offset < bytes.endIndex else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func readBytes(_ count: Int) throws(WindowSnapshotError) -> ArraySlice<UInt8> {
        guard count <= bytes.endIndex - offset else { throw .truncated }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    package mutating func readVarint() throws(WindowSnapshotError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            let byte = try readByte()
            guard shift < 63 || byte <= 1 else { throw .malformed("varint overflow") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
        }
        throw .malformed("varint too long")
    }

    package mutating func readSigned() throws(WindowSnapshotError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A count of items that each take at least one byte, so no count can exceed the bytes left.
    package mutating func readCount() throws(WindowSnapshotError) -> Int {
        let count = try readVarint()
        guard count <= UInt64(bytes.endIndex - offset) else { throw .truncated }
        return Int(count)
    }

    /// Checked as UTF-8; keys and values are mostly ASCII, which needs no more than a scan (the
    /// general validating initialiser was a sixth of a restore's time).
    package mutating func readString() throws(WindowSnapshotError) -> String {
        let length = try readCount()
        // The buffer of a slice counts from the slice's start.
        let start = offset - bytes.startIndex
        offset += length
        let string: String? = bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[start..<start + length])
            if text.allSatisfy({ $0 < 0x80 }) { return String(decoding: text, as: UTF8.self) }
            return String(validating: text, as: UTF8.self)
        }
        guard let string else { throw .malformed("invalid UTF-8") }
        return string
    }

    mutating func readValue(distinct: Bool) throws(WindowSnapshotError) -> Value {
        let tag = try readByte()
        switch tag {
        case 0: return .number(ExactDecimal(units: try readSigned()))
        case 1 where distinct: return .string(try readString())
        case 2 where distinct: return .bool(false)
        case 3 where distinct: return .bool(true)
        default: throw .malformed("unknown value tag")
        }
    }
}
