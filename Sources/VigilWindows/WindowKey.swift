/// A window key with its hash computed once.
///
/// Several stores are often keyed by the same fields (a count and a distinct count by `card_id`),
/// and a key is looked up again when its lane is evicted. Hashing the text once per event and
/// handing every store the same hash saves one SipHash of the text per store and per eviction.
package struct WindowKey: Hashable, Sendable {
    package let text: String
    /// SipHash-1-3 of the text with a random key of the process (see ``KeyedHash``).
    private let hash: Int

    /// The key of a vacant lane, hashed once for all of them.
    static let vacant = WindowKey("")

    package init(_ text: String) {
        self.text = text
        hash = KeyedHash.hash(text)
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.hash == rhs.hash && lhs.text == rhs.text
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// What a dictionary asks for: the stored hash mixed with the table's seed, without a second
    /// SipHash pass. The stored hash is already keyed with the process's random seed, so colliding
    /// keys are as hard to forge as for `String`; the mix (a 64-bit finaliser) spreads the seed over
    /// the low bits that pick a bucket.
    package func _rawHashValue(seed: Int) -> Int {
        HashMixing.finalize(UInt64(bitPattern: Int64(hash ^ seed)))
    }
}

/// The bucket hash of a word that needs no SipHash: a 64-bit finaliser (MurmurHash3's), which
/// makes every bit of the word, and of a table's seed mixed into it, reach the low bits.
enum HashMixing {
    static func finalize(_ word: UInt64) -> Int {
        var mixed = (word ^ (word >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        return Int(truncatingIfNeeded: mixed)
    }
}
