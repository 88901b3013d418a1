import Testing
import VigilValues
import VigilWindows

@Suite struct WindowBoundaryTests {
    private static func number(_ text: String) -> Value {
        .number(ExactDecimal(text)!)
    }

    @Test func observationExactlyOneWidthEarlierIsExcluded() {
        let store = SlidingWindowStore(function: .count, widthMilliseconds: 1_000)
        store.record(key: WindowKey("card"), time: 5_000, value: nil)
        store.record(key: WindowKey("card"), time: 5_001, value: nil)
        #expect(store.recordAndAggregate(key: WindowKey("card"), time: 6_000, value: nil) == Self.number("2"))
        #expect(store.aggregate(key: WindowKey("card"), at: 5_999) == Self.number("2"))
        #expect(store.aggregate(key: WindowKey("card"), at: 6_001) == Self.number("1"))
    }

    @Test func observationAtTheQueryTimeIsIncludedAndLaterOnesAreNot() {
        let store = SlidingWindowStore(function: .sum, widthMilliseconds: 1_000)
        store.record(key: WindowKey("card"), time: 100, value: Self.number("1.5"))
        store.record(key: WindowKey("card"), time: 200, value: Self.number("2"))
        #expect(store.aggregate(key: WindowKey("card"), at: 100) == Self.number("1.5"))
        #expect(store.aggregate(key: WindowKey("card"), at: 99) == Self.number("0"))
    }

    @Test func equalTimestampsAllCount() {
        let store = SlidingWindowStore(function: .distinctCount, widthMilliseconds: 1_000)
        for value: Value in [.string("a"), .string("b"), .string("a"), .bool(true)] {
            store.record(key: WindowKey("card"), time: 700, value: value)
        }
        #expect(store.aggregate(key: WindowKey("card"), at: 700) == Self.number("3"))
        #expect(store.aggregate(key: WindowKey("card"), at: 1_699) == Self.number("3"))
        #expect(store.aggregate(key: WindowKey("card"), at: 1_700) == Self.number("0"))
    }

    @Test(arguments: [
        (WindowFunction.count, Value?.some(.number(.zero))),
        (.sum, .some(.number(.zero))),
        (.distinctCount, .some(.number(.zero))),
        (.average, nil),
        (.minimum, nil),
        (.maximum, nil),
    ])
    func emptyWindowHasTheNeutralResult(function: WindowFunction, expected: Value?) {
        let store = SlidingWindowStore(function: function, widthMilliseconds: 1_000)
        #expect(store.aggregate(key: WindowKey("unknown"), at: 0) == expected)
        store.record(key: WindowKey("card"), time: 0, value: Self.number("3"))
        #expect(store.aggregate(key: WindowKey("card"), at: 1_000) == expected)
    }

    @Test func averageRoundsHalfToEven() {
        let store = SlidingWindowStore(function: .average, widthMilliseconds: 60_000)
        store.record(key: WindowKey("card"), time: 1, value: .number(ExactDecimal(units: 1)))
        let mean = store.recordAndAggregate(key: WindowKey("card"), time: 2, value: .number(ExactDecimal(units: 2)))
        #expect(mean == .number(ExactDecimal(units: 2)))
    }

    @Test func sumBeyondRangeIsAbsentUntilTheLargeValueLeaves() {
        let store = SlidingWindowStore(function: .sum, widthMilliseconds: 1_000)
        store.record(key: WindowKey("card"), time: 0, value: .number(ExactDecimal(units: .max)))
        #expect(store.recordAndAggregate(key: WindowKey("card"), time: 500, value: Self.number("1")) == nil)
        let third = store.recordAndAggregate(key: WindowKey("card"), time: 1_000, value: Self.number("2"))
        #expect(third == Self.number("3"))
    }

    @Test func minimumAndMaximumFollowOutOfOrderRecords() {
        let minimum = SlidingWindowStore(function: .minimum, widthMilliseconds: 1_000)
        let maximum = SlidingWindowStore(function: .maximum, widthMilliseconds: 1_000)
        for store in [minimum, maximum] {
            for (time, text) in [(100, "5"), (300, "7"), (200, "1"), (250, "9")] {
                store.record(key: WindowKey("card"), time: Int64(time), value: Self.number(text))
            }
        }
        #expect(minimum.aggregate(key: WindowKey("card"), at: 300) == Self.number("1"))
        #expect(maximum.aggregate(key: WindowKey("card"), at: 300) == Self.number("9"))
        #expect(minimum.aggregate(key: WindowKey("card"), at: 1_201) == Self.number("7"))
        #expect(maximum.aggregate(key: WindowKey("card"), at: 240) == Self.number("5"))
    }

    @Test func valuesThatDoNotApplyAreNotRecorded() {
        let store = SlidingWindowStore(function: .sum, widthMilliseconds: 1_000)
        store.record(key: WindowKey("card"), time: 10, value: nil)
        store.record(key: WindowKey("card"), time: 10, value: .string("12"))
        #expect(store.retainedEntries == 0)
        #expect(store.recordAndAggregate(key: WindowKey("card"), time: 11, value: nil) == Self.number("0"))
    }

    @Test func evictionForgetsKeysAndEntries() {
        let store = SlidingWindowStore(function: .distinctCount, widthMilliseconds: 1_000)
        let empty = store.estimatedBytes
        for index in 0..<100 {
            let key = WindowKey("key-\(index)-long-enough-to-live-on-the-heap")
            store.record(key: key, time: Int64(index), value: .string("v\(index % 7)"))
        }
        #expect(store.activeKeys == 100)
        #expect(store.retainedEntries == 100)
        let peak = store.estimatedBytes
        store.advance(watermark: 1_050)
        #expect(store.activeKeys < 100)
        store.advance(watermark: 2_200)
        #expect(store.activeKeys == 0)
        #expect(store.retainedEntries == 0)
        #expect(store.estimatedBytes < peak)
        store.record(key: WindowKey("again"), time: 2_300, value: .string("v1"))
        #expect(store.aggregate(key: WindowKey("again"), at: 2_300) == Self.number("1"))
        #expect(store.estimatedBytes > empty)
    }

    /// Expiries far beyond the near-term slots, and behind the slots already handed out, still evict.
    @Test func expiriesOutsideTheNearTermSlotsAreStillEvicted() {
        let store = SlidingWindowStore(function: .count, widthMilliseconds: 64)
        store.record(key: WindowKey("near"), time: 10, value: nil)
        store.record(key: WindowKey("far"), time: 5_000_000, value: nil)
        store.advance(watermark: 1_000)
        #expect(store.activeKeys == 1)
        store.record(key: WindowKey("behind"), time: 500, value: nil)
        store.advance(watermark: 2_000)
        #expect(store.activeKeys == 1)
        store.advance(watermark: 6_000_000)
        #expect(store.activeKeys == 0)
        #expect(store.retainedEntries == 0)
    }

    @Test func extremeTimestampsNeitherTrapNorLeak() {
        let store = SlidingWindowStore(function: .maximum, widthMilliseconds: 30 * 86_400_000)
        store.record(key: WindowKey("card"), time: .min + 1, value: Self.number("1"))
        store.record(key: WindowKey("card"), time: .max, value: Self.number("2"))
        #expect(store.aggregate(key: WindowKey("card"), at: .max) == Self.number("2"))
        #expect(store.aggregate(key: WindowKey("card"), at: .min + 1) == Self.number("1"))
        store.advance(watermark: .max)
        #expect(store.aggregate(key: WindowKey("card"), at: .max) == Self.number("2"))
    }
}
