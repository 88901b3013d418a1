/// SipHash-1-3 of a short byte string under a random key drawn once per process.
///
/// It is the function and key strength `Hasher` uses, so distinct values taken from input are as
/// hard to make collide in a `Dictionary` as `String` keys. What it saves is `Hasher`'s streaming:
/// a value of a few bytes is read in whole words straight from its UTF-8 (about 205 instructions
/// for a short one, `withUTF8` included, against about 250 for `String.hashValue`).
enum KeyedHash {
    private static let key = SystemRandomNumberGenerator.seedPair()

    static func hash(_ text: String) -> Int {
        text.withUTF8Bytes(hash)
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        let (key0, key1) = key
        var state = SipState(
            v0: key0 ^ 0x736F_6D65_7073_6575, v1: key1 ^ 0x646F_7261_6E64_6F6D,
            v2: key0 ^ 0x6C79_6765_6E65_7261, v3: key1 ^ 0x7465_6462_7974_6573)
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            state.compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while offset < count {
            last |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        state.compress(last)
        return Int(truncatingIfNeeded: state.finalize())
    }
}

/// SipHash's four words of state, with one compression round and three finalisation rounds.
private struct SipState {
    var v0: UInt64
    var v1: UInt64
    var v2: UInt64
    var v3: UInt64

    mutating func compress(_ word: UInt64) {
        v3 ^= word
        round()
        v0 ^= word
    }

    mutating func finalize() -> UInt64 {
        v2 ^= 0xFF
        round()
        round()
        round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    private mutating func round() {
        v0 = v0 &+ v1
        v1 = v1.rotated(left: 13) ^ v0
        v0 = v0.rotated(left: 32)
        v2 = v2 &+ v3
        v3 = v3.rotated(left: 16) ^ v2
        v0 = v0 &+ v3
        v3 = v3.rotated(left: 21) ^ v0
        v2 = v2 &+ v1
        v1 = v1.rotated(left: 17) ^ v2
        v2 = v2.rotated(left: 32)
    }
}

extension UInt64 {
    fileprivate func rotated(left bits: UInt64) -> UInt64 {
        self << bits | self >> (64 - bits)
    }
}

extension SystemRandomNumberGenerator {
    /// Two random words: the secret key of a keyed hash, drawn once per process.
    static func seedPair() -> (UInt64, UInt64) {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }
}

extension String {
    /// Calls `body` with the UTF-8 bytes in contiguous memory (a small string's are copied out first).
    func withUTF8Bytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var text = self
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
