import Testing
import VigilValues
@testable import VigilWindows

/// Seeded random streams checked query by query against ``ReferenceWindow``.
@Suite struct RandomStreamTests {
    static let widths: [Int64] = [1_000, 60_000, 3_600_000, 30 * 86_400_000]

    @Test(arguments: WindowFunction.allCases, widths)
    func everyQueryMatchesTheBruteForceReference(function: WindowFunction, width: Int64) {
        for seed in UInt64(1)...4 {
            var stream = RandomStream(seed: seed &* 7919 &+ UInt64(width), function: function, width: width)
            let store = SlidingWindowStore(function: function, widthMilliseconds: width)
            var reference = ReferenceWindow(function: function, width: width)
            for _ in 0..<1_500 {
                let step = stream.next()
                reference.record(key: step.key, time: step.time, value: step.value)
                let result = store.recordAndAggregate(key: WindowKey(step.key), time: step.time, value: step.value)
                #expect(result == reference.aggregate(key: step.key, at: step.time), "seed \(seed) at \(step.time)")
                if let earlier = stream.earlierQuery(), let key = stream.randomKey() {
                    let expected = reference.aggregate(key: key, at: earlier)
                    #expect(store.aggregate(key: WindowKey(key), at: earlier) == expected, "seed \(seed) at \(earlier)")
                }
                if let watermark = stream.nextWatermark() { store.advance(watermark: watermark) }
            }
        }
    }

    /// A distinct count searches a short running window in place and counts a long one's values
    /// in a table: a key whose window grows long, shrinks and grows again, with late events, late
    /// queries and a trailing watermark, must answer like the reference in both modes and across
    /// every switch.
    @Test func distinctCountsAgreeAsAKeysWindowGrowsLongAndShortAgain() {
        let width: Int64 = 60_000
        let store = SlidingWindowStore(function: .distinctCount, widthMilliseconds: width)
        var reference = ReferenceWindow(function: .distinctCount, width: width)
        var generator = SplitMix64(seed: 11)
        var time: Int64 = 1_700_000_000_000
        var watermark = Int64.min
        var largestWindow = 0
        var smallestWindowAfterThat = Int.max
        // Dense (1 s apart: 60 entries in the window), sparse (20 s: 3), a short run of a few
        // repeated values followed by a jump past all of them (they leave together), and so on.
        let phases: [(events: Int, spacing: Int64, values: UInt64)] = [
            (100, 1_000, 40), (30, 20_000, 40), (12, 1_000, 3), (1, 100_000, 3),
            (200, 1_000, 40), (30, 20_000, 40), (12, 1_000, 3), (1, 100_000, 3), (100, 1_000, 40),
        ]
        for (events, spacing, values) in phases {
            for step in 0..<events {
                time += spacing
                let eventTime = step % 9 == 4 ? max(watermark, time - 2_500) : time
                let value = Value.string("merchant-\(generator.next() % values)")
                reference.record(key: "card", time: eventTime, value: value)
                let result = store.recordAndAggregate(key: WindowKey("card"), time: eventTime, value: value)
                #expect(result == reference.aggregate(key: "card", at: eventTime), "at \(eventTime)")
                let earlier = time - Int64(generator.next() % 3_000)
                #expect(store.aggregate(key: WindowKey("card"), at: earlier) == reference.aggregate(key: "card", at: earlier))
                if step % 7 == 6 {
                    watermark = time - 3_000
                    store.advance(watermark: watermark)
                }
                let inWindow = store.retainedEntries
                if spacing == 1_000, largestWindow < inWindow { largestWindow = inWindow }
                if spacing == 20_000, largestWindow > 0 { smallestWindowAfterThat = min(smallestWindowAfterThat, inWindow) }
            }
        }
        #expect(largestWindow > DistinctPolicy.countingFrom, "the window never grew long: \(largestWindow) entries")
        #expect(smallestWindowAfterThat <= DistinctPolicy.scanningFrom, "the window never shrank: \(smallestWindowAfterThat) entries")
    }

    @Test(arguments: WindowFunction.allCases)
    func advancingPastEveryWindowEvictsAllKeys(function: WindowFunction) {
        var stream = RandomStream(seed: 42, function: function, width: 60_000)
        let store = SlidingWindowStore(function: function, widthMilliseconds: 60_000)
        for _ in 0..<2_000 {
            let step = stream.next()
            store.record(key: WindowKey(step.key), time: step.time, value: step.value)
            if let watermark = stream.nextWatermark() { store.advance(watermark: watermark) }
        }
        #expect(store.activeKeys > 0)
        #expect(store.retainedEntries > 0)
        store.advance(watermark: stream.clock + 120_000)
        #expect(store.activeKeys == 0)
        #expect(store.retainedEntries == 0)
    }

    @Test(arguments: WindowFunction.allCases)
    func restoredSnapshotAnswersLikeTheOriginal(function: WindowFunction) throws {
        var stream = RandomStream(seed: 7, function: function, width: 10_000)
        let store = SlidingWindowStore(function: function, widthMilliseconds: 10_000)
        for _ in 0..<1_000 {
            let step = stream.next()
            store.record(key: WindowKey(step.key), time: step.time, value: step.value)
            if let watermark = stream.nextWatermark() { store.advance(watermark: watermark) }
        }
        let snapshot = store.snapshot()
        let decoded = try WindowSnapshot(serialized: snapshot.serialized())
        #expect(decoded == snapshot)
        var streamed = SnapshotWriter()
        store.frozen().writeSnapshot(to: &streamed)
        #expect(streamed.bytes == snapshot.serialized(), "written key by key, the same bytes as the snapshot's")
        let restored = try SlidingWindowStore(serializedSnapshot: snapshot.serialized())
        #expect(restored.snapshot() == snapshot)
        #expect(restored.activeKeys == snapshot.keys.count)
        for key in stream.keys {
            for time in stride(from: store.watermark, through: stream.clock + 10_000, by: 997) {
                let windowKey = WindowKey(key)
                #expect(restored.aggregate(key: windowKey, at: time) == store.aggregate(key: windowKey, at: time))
            }
        }
    }
}

/// Events for a few dozen keys with a moving clock, some of them late, and a trailing watermark.
struct RandomStream {
    let function: WindowFunction
    let width: Int64
    let keys: [String]
    private var generator: SplitMix64
    private(set) var clock: Int64 = 1_700_000_000_000
    private var watermark: Int64 = .min
    private let lateness: Int64 = 5_000

    init(seed: UInt64, function: WindowFunction, width: Int64) {
        self.function = function
        self.width = width
        self.generator = SplitMix64(seed: seed)
        let keyCount = Int.random(in: 1...40, using: &generator)
        self.keys = (0..<keyCount).map { "card-\($0)-with-a-longer-identifier" }
    }

    mutating func next() -> (key: String, time: Int64, value: Value?) {
        clock += Int64.random(in: 0...max(1, width / 150), using: &generator)
        var time = clock
        if Int.random(in: 0..<100, using: &generator) < 5 {
            time = max(watermark, clock - Int64.random(in: 0...lateness, using: &generator))
        }
        return (randomKey() ?? "", time, randomValue())
    }

    mutating func randomKey() -> String? {
        keys.randomElement(using: &generator)
    }

    /// Sometimes a query time between the watermark and the clock.
    mutating func earlierQuery() -> Int64? {
        guard Int.random(in: 0..<10, using: &generator) == 0 else { return nil }
        return Int64.random(in: max(watermark, clock - lateness - width)...clock, using: &generator)
    }

    /// Sometimes a watermark trailing the clock by the allowed lateness.
    mutating func nextWatermark() -> Int64? {
        guard Int.random(in: 0..<20, using: &generator) == 0 else { return nil }
        watermark = max(watermark, clock - lateness)
        return watermark
    }

    private mutating func randomValue() -> Value? {
        switch function {
        case .count: return nil
        case .distinctCount:
            let pick = Int.random(in: 0..<12, using: &generator)
            if pick < 4 { return .number(ExactDecimal(units: Int64(pick) * 500_000)) }
            if pick < 6 { return .bool(pick == 4) }
            return .string(pick < 9 ? "merchant-\(pick)" : "device-identifier-number-\(pick)")
        case .sum, .average, .minimum, .maximum:
            if Int.random(in: 0..<200, using: &generator) == 0 { return .number(ExactDecimal(units: .max - 5)) }
            return .number(ExactDecimal(units: Int64.random(in: -5_000_000...1_000_000_000, using: &generator)))
        }
    }
}
