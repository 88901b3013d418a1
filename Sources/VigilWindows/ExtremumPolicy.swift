import VigilValues

/// A number with the best value of a run of its key's running window (see ``ExtremumPolicy``).
struct ExtremumEntry: TimedEntry {
    var time: Int64
    var units: Int64
    var partialBest: Int64
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

/// Minimum or maximum over a sliding window with the two-stack method, in place.
///
/// The running window splits at `lane.split`. Before it (the front), each entry's `partialBest` is
/// the best from that entry up to the split; from it on (the back), the best from the split up to
/// that entry. The window's best is then two reads, and so is the best of a late query that ends
/// in the back. When the front empties, the whole window is re-folded into a front once, so each
/// entry is re-folded at most once per pass: O(1) amortised, 8 bytes per entry, no second buffer.
enum ExtremumPolicy<Order: ExtremumOrder>: WindowPolicy {
    static var idle: NoState { NoState() }

    static func makeEntry(time: Int64, value: Value?, shared: inout NoState) -> ExtremumEntry? {
        guard case .number(let number)? = value else { return nil }
        return ExtremumEntry(time: time, units: number.units, partialBest: number.units)
    }

    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout NoState) {
        let units = lane.ring[position].units
        if position >= lane.split {
            let previous = position > lane.split ? lane.ring[position - 1].partialBest : units
            lane.ring[position].partialBest = Order.best(previous, units)
            improve(lane: &lane, positions: (position + 1..<lane.ring.count), with: units)
        } else {
            lane.split += 1
            let following = position + 1 < lane.split ? lane.ring[position + 1].partialBest : units
            lane.ring[position].partialBest = Order.best(units, following)
            improve(lane: &lane, positions: (lane.windowStart..<position).reversed(), with: units)
        }
    }

    static func leave(_ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout NoState) {
        guard lane.windowStart >= lane.split else { return }
        var best: Int64?
        for position in (lane.windowStart..<lane.ring.count).reversed() {
            let folded = combine(best, lane.ring[position].units)
            lane.ring[position].partialBest = folded
            best = folded
        }
        lane.split = lane.ring.count
    }

    static func result(of lane: Lane<Self>, function: WindowFunction, shared: NoState) -> Value? {
        number(bestFromWindowStart(of: lane, upTo: lane.ring.count))
    }

    static func result(
        of lane: Lane<Self>, laneIndex: Int, positions: Range<Int>, function: WindowFunction, shared: NoState
    ) -> Value? {
        guard positions.lowerBound <= lane.windowStart, positions.upperBound >= lane.split else {
            return number(scan(lane, positions))
        }
        let older = scan(lane, positions.lowerBound..<lane.windowStart)
        let running = bestFromWindowStart(of: lane, upTo: positions.upperBound)
        return number(running.map { combine(older, $0) } ?? older)
    }

    static func value(of entry: ExtremumEntry, shared: NoState) -> Value? {
        .number(ExactDecimal(units: entry.units))
    }

    /// The best of the running window's entries before `end`, which must not lie before the split.
    private static func bestFromWindowStart(of lane: Lane<Self>, upTo end: Int) -> Int64? {
        var best: Int64?
        if lane.windowStart < lane.split { best = lane.ring[lane.windowStart].partialBest }
        if end > lane.split { best = combine(best, lane.ring[end - 1].partialBest) }
        return best
    }

    /// Folds a late entry into the partial bests it affects, stopping where they already beat it.
    private static func improve(lane: inout Lane<Self>, positions: some Sequence<Int>, with units: Int64) {
        for position in positions {
            let current = lane.ring[position].partialBest
            guard Order.best(current, units) != current else { return }
            lane.ring[position].partialBest = units
        }
    }

    private static func scan(_ lane: Lane<Self>, _ positions: Range<Int>) -> Int64? {
        var best: Int64?
        for position in positions { best = combine(best, lane.ring[position].units) }
        return best
    }

    private static func combine(_ best: Int64?, _ units: Int64) -> Int64 {
        best.map { Order.best($0, units) } ?? units
    }

    private static func number(_ units: Int64?) -> Value? {
        units.map { .number(ExactDecimal(units: $0)) }
    }
}
