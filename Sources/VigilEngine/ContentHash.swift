/// FNV-1a over 128 bits: a stable, dependency-free fingerprint.
///
/// Alert ids must be the same on every replica and every replay, so they cannot use Swift's
/// randomly seeded `Hasher`. This is an identifier, not a security boundary.
struct ContentHash {
    private static let prime: UInt128 = (1 << 88) + (1 << 8) + 0x3b
    private var state: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d

    mutating func combine(_ text: String) {
        for byte in text.utf8 {
            state ^= UInt128(byte)
            state &*= Self.prime
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        state ^= 0xff
        state &*= Self.prime
    }

    /// 32 lowercase hexadecimal digits.
    ///
    /// Written nibble by nibble from the two 64-bit halves: `String(_:radix:)` on a 128-bit
    /// integer divides generically and cost about 20,000 instructions per alert.
    var hexDigest: String {
        let high = UInt64(truncatingIfNeeded: state >> 64)
        let low = UInt64(truncatingIfNeeded: state)
        return String(unsafeUninitializedCapacity: 32) { digits in
            for position in 0..<min(32, digits.count) {
                let half = position < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: half >> (60 - 4 * UInt64(position % 16))) & 0xF
                digits[position] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
            }
            return min(32, digits.count)
        }
    }

    /// The 128-bit fingerprint of one text: the same on every replica, and 16 bytes whatever the
    /// text's length.
    static func fingerprint(of text: String) -> UInt128 {
        var hash = ContentHash()
        hash.combine(text)
        return hash.state
    }

    /// The id of the alert `ruleID` raised for `eventID`: the same on every replay.
    static func alertID(ruleID: String, eventID: String) -> String {
        var hash = ContentHash()
        hash.combine(ruleID)
        hash.combine(eventID)
        return hash.hexDigest
    }
}
