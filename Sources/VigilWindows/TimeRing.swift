/// An entry that a window orders and expires by its event time.
protocol TimedEntry {
    /// Event time in epoch milliseconds.
    var time: Int64 { get }
}

/// A time-ordered ring buffer of one key's entries.
///
/// Contiguous storage that grows and shrinks geometrically keeps an in-order append free of
/// allocation and costs one array header per key instead of one object per entry. A key's only
/// entry lives inline, without storage: most keys of a short window see one event before they
/// expire, and for them this saves an allocation and a free per key.
struct TimeRing<Entry: TimedEntry & Sendable>: Sendable {
    private var storage: [Entry] = []
    private var storedHead: Int32 = 0
    private var storedCount: Int32 = 0
    /// The entry of a ring with exactly one entry and no storage.
    private var inline: Entry?
    /// `storage.count`, kept here so that finding an entry's slot does not read the storage's
    /// header, a line of its own for a long ring. Declared last, it fills the padding after
    /// `inline` in a count's and a sum's lane instead of lengthening them (a distinct count's
    /// lane grows from 56 to 64 bytes).
    private var storedCapacity: Int32 = 0

    var count: Int {
        get { Int(storedCount) }
        set { storedCount = Int32(truncatingIfNeeded: newValue) }
    }

    private var head: Int {
        get { Int(storedHead) }
        set { storedHead = Int32(truncatingIfNeeded: newValue) }
    }

    /// Entries the heap storage can hold; zero while the ring is empty or holds its entry inline.
    var capacity: Int { Int(storedCapacity) }
    var isEmpty: Bool { count == 0 }

    /// Inlined: the slide and search loops read entries one by one, and a call per entry cost more
    /// than the read.
    subscript(position: Int) -> Entry {
        @inline(__always) get {
            if storedCapacity == 0, let inline { return inline }
            return storage[physical(position)]
        }
        set {
            if storedCapacity == 0 {
                inline = newValue
            } else {
                storage[physical(position)] = newValue
            }
        }
    }

    /// Requests the lines an observation at a later time reads and writes: the storage header,
    /// the running window's first entry (`windowStart`) and the slot after the newest entry.
    func prefetchForAppend(windowStart: Int) {
        guard storedCapacity > 0 else { return }
        storage.prefetchHeader()
        storage.prefetchElement(knownIndex: physical(Swift.min(windowStart, count - 1)))
        storage.prefetchElement(knownIndex: physical(Swift.min(count, capacity - 1)))
    }

    /// Requests the lines that dropping the oldest entries reads first: the storage header and the oldest entry.
    func prefetchOldest() {
        guard storedCapacity > 0 else { return }
        storage.prefetchHeader()
        storage.prefetchElement(knownIndex: head)
    }

    /// The time of the newest entry, if any.
    var newestTime: Int64? { isEmpty ? nil : self[count - 1].time }

    /// The first position whose time is later than `time`, found by binary search.
    func firstPosition(after time: Int64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].time <= time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Inserts `entry` after every entry with an equal or earlier time and returns its position.
    mutating func insert(_ entry: Entry) -> Int {
        let position = count > 0 && self[count - 1].time <= entry.time ? count : firstPosition(after: entry.time)
        guard count > 0 else {
            inline = entry
            count = 1
            return 0
        }
        if count >= capacity { resize(to: Swift.max(2, capacity * 2), filler: entry) }
        var index = count
        while index > position {
            self[index] = self[index - 1]
            index -= 1
        }
        self[position] = entry
        count += 1
        return position
    }

    /// Drops the `dropped` oldest entries, and shrinks storage to half full once it is 1/8 full.
    ///
    /// Growing at full and shrinking at 1/8 keeps a key whose window size wobbles from
    /// reallocating on every expiry, while memory still follows what the window holds.
    mutating func removeFirst(_ dropped: Int) {
        guard dropped > 0 else { return }
        head = (head + dropped) % Swift.max(capacity, 1)
        count -= dropped
        if count == 0 {
            storage = []
            storedCapacity = 0
            head = 0
            inline = nil
        } else if count * 8 <= capacity {
            resize(to: count * 2, filler: self[0])
        }
    }

    private func physical(_ position: Int) -> Int {
        let index = head + position
        return index < capacity ? index : index - capacity
    }

    private mutating func resize(to newCapacity: Int, filler: Entry) {
        var resized = [Entry]()
        resized.reserveCapacity(newCapacity)
        for position in 0..<count { resized.append(self[position]) }
        while resized.count < newCapacity { resized.append(filler) }
        storage = resized
        storedCapacity = Int32(truncatingIfNeeded: newCapacity)
        head = 0
        inline = nil
    }
}
