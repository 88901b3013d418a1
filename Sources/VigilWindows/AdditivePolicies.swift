import VigilValues

/// A counted observation: its time is all a count needs.
struct CountEntry: TimedEntry {
    var time: Int64
}

/// Counts observations; the running count is the length of the running window.
enum CountPolicy: WindowPolicy {
    static var idle: NoState { NoState() }

    static func makeEntry(time: Int64, value: Value?, shared: inout NoState) -> CountEntry? {
        CountEntry(time: time)
    }

    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout NoState) {}

    static func leave(_ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout NoState) {}

    static func result(of lane: Lane<Self>, function: WindowFunction, shared: NoState) -> Value? {
        count(lane.ring.count - lane.windowStart)
    }

    static func result(
        of lane: Lane<Self>, laneIndex: Int, positions: Range<Int>, function: WindowFunction, shared: NoState
    ) -> Value? {
        count(positions.count)
    }

    static func value(of entry: CountEntry, shared: NoState) -> Value? { nil }

    private static func count(_ count: Int) -> Value? {
        ExactDecimal(Int64(count)).map(Value.number)
    }
}

/// A number observed at a time, as sums, averages and extremes keep it.
struct NumberEntry: TimedEntry {
    var time: Int64
    var units: Int64
}

/// A total and count of numbers in wide units, so no partial sum can overflow.
struct RunningSum {
    var units: Int128 = 0
    var count = 0

    mutating func add(_ units: Int64) {
        self.units += Int128(units)
        count += 1
    }

    mutating func subtract(_ units: Int64) {
        self.units -= Int128(units)
        count -= 1
    }

    /// The sum, the mean or the count, as an exact decimal; `nil` when it does not fit.
    func result(for function: WindowFunction) -> Value? {
        let narrowed = switch function {
        case .average: ExactDecimal.mean(sumOfUnits: units, count: count)
        case .count: ExactDecimal(Int64(count))
        default: ExactDecimal.narrow(units)
        }
        return narrowed.map(Value.number)
    }
}

/// A 128-bit total stored as two 64-bit halves, so that a lane needs no 16-byte alignment.
struct SplitTotal {
    private var low: UInt64 = 0
    private var high: Int64 = 0

    var units: Int128 {
        get { Int128(high) << 64 | Int128(low) }
        set {
            low = UInt64(truncatingIfNeeded: newValue)
            high = Int64(truncatingIfNeeded: newValue >> 64)
        }
    }
}

/// Sums and averages: the running total gains an entry as it joins and loses it as it leaves.
enum SumPolicy: WindowPolicy {
    static var idle: SplitTotal { SplitTotal() }

    static func makeEntry(time: Int64, value: Value?, shared: inout NoState) -> NumberEntry? {
        guard case .number(let number)? = value else { return nil }
        return NumberEntry(time: time, units: number.units)
    }

    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout NoState) {
        lane.running.units += Int128(lane.ring[position].units)
    }

    static func leave(_ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout NoState) {
        for position in leaving { lane.running.units -= Int128(lane.ring[position].units) }
    }

    static func result(of lane: Lane<Self>, function: WindowFunction, shared: NoState) -> Value? {
        runningSum(of: lane).result(for: function)
    }

    static func result(
        of lane: Lane<Self>, laneIndex: Int, positions: Range<Int>, function: WindowFunction, shared: NoState
    ) -> Value? {
        guard let difference = lane.difference(to: positions) else {
            var sum = RunningSum()
            for position in positions { sum.add(lane.ring[position].units) }
            return sum.result(for: function)
        }
        var sum = runningSum(of: lane)
        for position in difference.joining { sum.add(lane.ring[position].units) }
        for position in difference.leaving { sum.subtract(lane.ring[position].units) }
        return sum.result(for: function)
    }

    static func value(of entry: NumberEntry, shared: NoState) -> Value? {
        .number(ExactDecimal(units: entry.units))
    }

    private static func runningSum(of lane: Lane<Self>) -> RunningSum {
        RunningSum(units: lane.running.units, count: lane.ring.count - lane.windowStart)
    }
}
