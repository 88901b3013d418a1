/// A window key with its hash computed once.
///
/// Several stores are often keyed by the same fields (a count and a distinct count by `card_id`),
/// and share a ``KeyDirectory``: hashing the text once per event serves the lookup, and the hash is
/// kept with the key so that moving or removing it never reads the text again.
package struct WindowKey: Equatable, Sendable {
    package let text: String
    /// The text's hash under a random seed of the process (see ``DirectoryHash``).
    let hash: UInt64

    /// The key of a vacant lane, hashed once for all of them.
    static let vacant = WindowKey("")

    package init(_ text: String) {
        self.text = text
        hash = DirectoryHash.hash(text)
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.hash == rhs.hash && lhs.text == rhs.text
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
