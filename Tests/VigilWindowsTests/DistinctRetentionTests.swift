import Testing
import VigilValues
import VigilWindows

/// A distinct count keeps one entry per value and key for what only late queries can reach.
@Suite struct DistinctRetentionTests {
    private static let card = WindowKey("card")

    private static func count(_ count: Int64) -> Value? {
        ExactDecimal(count).map(Value.number)
    }

    /// A hundred payments at three merchants: once the watermark has passed them, three entries remain.
    @Test func entriesBehindTheWatermarkCollapseToTheLatestPerValue() {
        let store = SlidingWindowStore(function: .distinctCount, widthMilliseconds: 10_000)
        for index in 0..<100 {
            store.record(key: Self.card, time: Int64(index) * 50, value: .string("merchant-\(index % 3)"))
        }
        #expect(store.retainedEntries == 100)
        store.advance(watermark: 10_200)
        #expect(store.retainedEntries == 3)
        #expect(store.aggregate(key: Self.card, at: 10_200) == Self.count(3))
        #expect(store.aggregate(key: Self.card, at: 14_849) == Self.count(3))
        #expect(store.aggregate(key: Self.card, at: 14_850) == Self.count(2))
    }

    /// Entries after the watermark all stay: a late event between two of them needs the earlier one.
    @Test func entriesAfterTheWatermarkStayForLateEvents() {
        let store = SlidingWindowStore(function: .distinctCount, widthMilliseconds: 10_000)
        store.record(key: Self.card, time: 0, value: .string("expired"))
        store.record(key: Self.card, time: 10_500, value: .string("merchant-a"))
        store.record(key: Self.card, time: 12_000, value: .string("merchant-b"))
        store.record(key: Self.card, time: 30_000, value: .string("merchant-a"))
        store.advance(watermark: 10_300)
        #expect(store.retainedEntries == 3)
        let late = store.recordAndAggregate(key: Self.card, time: 20_000, value: .string("merchant-c"))
        #expect(late == Self.count(3))
    }
}
