/// The keyed hash of window keys for ``KeyDirectory``: folded 64 × 64 → 128-bit multiplies under a
/// random seed of the process, the construction of wyhash (Go's runtime map hash) and foldhash.
///
/// SipHash-1-3 (``KeyedHash``) cost about 205 instructions for a short key, most of them its
/// rounds; this costs about a third of that. It is not a cryptographic function, and need not be:
/// without the seed a sender cannot predict which keys share a bucket, since every input word
/// is combined with secret words before it is multiplied, and the directory bounds probe lengths
/// and draws a new seed of its own should a run of buckets still grow too long.
enum DirectoryHash {
    private static let seed = SystemRandomNumberGenerator.seedPair()

    static func hash(_ text: String) -> UInt64 {
        text.withUTF8Bytes(hash)
    }

    /// Reads whole words, overlapping at the end, rather than byte by byte; the length is mixed in,
    /// so texts that read the same words differ.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let (seed0, seed1) = seed
        let count = bytes.count
        var state = seed0 ^ UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        while count - offset > 16 {
            state = fold(word(bytes, at: offset) ^ seed1, word(bytes, at: offset + 8) ^ state)
            offset += 16
        }
        let (first, last) = lastWords(bytes, from: offset)
        return fold(first ^ seed1 ^ state, last ^ seed0)
    }

    /// The last 1 to 16 bytes from `offset` as two words, the way wyhash reads them.
    private static func lastWords(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> (UInt64, UInt64) {
        let remaining = bytes.count - offset
        if remaining >= 8 { return (word(bytes, at: offset), word(bytes, at: bytes.count - 8)) }
        if remaining >= 4 { return (halfWord(bytes, at: offset), halfWord(bytes, at: bytes.count - 4)) }
        guard remaining > 0 else { return (0, 0) }
        let spread = UInt64(bytes[offset]) << 16 | UInt64(bytes[offset + remaining / 2]) << 8
            | UInt64(bytes[bytes.count - 1])
        return (spread, 0)
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func halfWord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// The two halves of the full product, folded: every input bit reaches the middle bits.
    private static func fold(_ first: UInt64, _ second: UInt64) -> UInt64 {
        let product = first.multipliedFullWidth(by: second)
        return product.high ^ product.low
    }
}
