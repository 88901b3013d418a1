import VigilValues

/// A number with the best value from it to the end of its key's front stack.
struct ExtremumEntry: TimedEntry {
    var time: Int64
    var units: Int64
    var suffixBest: Int64
}

/// Which of two numbers an extremum keeps.
protocol ExtremumOrder {
    static func best(_ first: Int64, _ second: Int64) -> Int64
}

enum MinimumOrder: ExtremumOrder {
    static func best(_ first: Int64, _ second: Int64) -> Int64 { min(first, second) }
}

enum MaximumOrder: ExtremumOrder {
    static func best(_ first: Int64, _ second: Int64) -> Int64 { max(first, second) }
}

/// Minimum or maximum over a sliding window with the two-stack method.
///
/// The running window splits at `lane.split`: entries before it carry the best value up to the split
/// (the front stack), entries after it fold into one running value (the back stack). When the front
/// empties, the back is re-folded from the right once; every entry is re-folded at most once per pass,
/// so in-order updates stay O(1) amortised with 8 bytes per entry and no second buffer per key.
enum ExtremumPolicy<Order: ExtremumOrder>: WindowPolicy {
    static var idle: Int64? { nil }

    static func makeEntry(time: Int64, value: Value?, shared: inout NoState) -> ExtremumEntry? {
        guard case .number(let number)? = value else { return nil }
        return ExtremumEntry(time: time, units: number.units, suffixBest: number.units)
    }

    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout NoState) {
        let units = lane.ring[position].units
        guard position < lane.split else {
            lane.running = combine(lane.running, units)
            return
        }
        lane.split += 1
        let following = position + 1 < lane.split ? lane.ring[position + 1].suffixBest : units
        lane.ring[position].suffixBest = Order.best(units, following)
        for earlier in lane.windowStart..<position {
            lane.ring[earlier].suffixBest = Order.best(lane.ring[earlier].suffixBest, units)
        }
    }

    static func leave(_ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout NoState) {
        guard lane.windowStart >= lane.split else { return }
        let end = lane.ring.count
        var best: Int64?
        for position in (lane.windowStart..<end).reversed() {
            let folded = combine(best, lane.ring[position].units)
            lane.ring[position].suffixBest = folded
            best = folded
        }
        lane.split = end
        lane.running = nil
    }

    static func result(of lane: Lane<Self>, function: WindowFunction, shared: NoState) -> Value? {
        var best = lane.running
        if lane.windowStart < lane.split {
            best = combine(best, lane.ring[lane.windowStart].suffixBest)
        }
        return best.map { .number(ExactDecimal(units: $0)) }
    }

    static func result(
        of lane: Lane<Self>, positions: Range<Int>, function: WindowFunction, shared: NoState
    ) -> Value? {
        var best: Int64?
        for position in positions { best = combine(best, lane.ring[position].units) }
        return best.map { .number(ExactDecimal(units: $0)) }
    }

    static func value(of entry: ExtremumEntry, shared: NoState) -> Value? {
        .number(ExactDecimal(units: entry.units))
    }

    private static func combine(_ best: Int64?, _ units: Int64) -> Int64 {
        best.map { Order.best($0, units) } ?? units
    }
}
