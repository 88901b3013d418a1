/// Rough heap costs of standard-library storage, so `estimatedBytes` counts what is really held.
enum HeapAccounting {
    /// Header of a native array or dictionary buffer plus the allocator's bookkeeping.
    static let bufferOverhead = 48

    /// Heap bytes behind a string: none for small strings stored inline, else header and UTF-8.
    static func bytes(of string: String) -> Int {
        let length = string.utf8.count
        guard length > 15 else { return 0 }
        return bufferOverhead + roundedUp(length + 1)
    }

    /// Bytes of a dictionary's buckets at its current capacity, which stays within a 3/4 load factor.
    static func dictionaryBytes(capacity: Int, elementStride: Int) -> Int {
        guard capacity > 0 else { return 0 }
        return bufferOverhead + capacity * 4 / 3 * (elementStride + 1)
    }

    private static func roundedUp(_ bytes: Int) -> Int {
        (bytes + 15) / 16 * 16
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so slots stay contiguous across zero.
    func flooredDivision(by divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
