import CPrefetch

/// Cache prefetch hints for work that knows its next keys before it reads their state.
///
/// Window state lives in tables far larger than the caches, and an event's reads depend on one
/// another (bucket, then key, then lane, then ring), so each waits a full memory round trip. An
/// engine that looks at the next events' keys first can request their lines together, and the
/// waits overlap. Hints never fault and change no result.
extension Array {
    /// Where the elements start in an array's storage object: after its 16-byte object header and
    /// its count and capacity, aligned for the element.
    private static var elementsOffset: Int {
        let alignment = MemoryLayout<Element>.alignment
        return (32 + alignment - 1) & ~(alignment - 1)
    }

    /// Requests the line that holds the element at `index`, if there is one.
    ///
    /// The address is computed from the storage object's layout rather than through
    /// `withUnsafeBufferPointer`, which retains and releases the buffer around the call: two
    /// atomic operations per hint, more than the hint saves. A wrong layout would cost speed only.
    @inline(__always)
    func prefetchElement(at index: Int) {
        guard index >= 0, index < count else { return }
        prefetchElement(knownIndex: index)
    }

    /// ``prefetchElement(at:)`` for an index the caller knows to be valid without reading the
    /// array's count, which lives in a line of its own for a large array not requested yet.
    @inline(__always)
    func prefetchElement(knownIndex index: Int) {
        let storage = unsafeBitCast(self, to: UnsafeRawPointer.self)
        vigil_prefetch(storage + Self.elementsOffset + index * MemoryLayout<Element>.stride)
    }

    /// Requests the line of the storage object's header (its counts), which every checked access reads.
    @inline(__always)
    func prefetchHeader() {
        vigil_prefetch(unsafeBitCast(self, to: UnsafeRawPointer.self))
    }
}
