import Testing
import VigilValues
import VigilWindows

/// Stores keyed by the same fields share one key directory; a key stays while any of them holds it.
@Suite struct KeyDirectoryTests {
    private static func number(_ text: String) -> Value? {
        ExactDecimal(text).map(Value.number)
    }

    @Test func keysStayFoundThroughRandomAdditionsAndRemovals() {
        let directory = KeyDirectory()
        var generator = SplitMix64(seed: 7)
        var lanes: [String: Int] = [:]
        for _ in 0..<20_000 {
            let text = "key-\(generator.next() % 3_000)"
            let key = WindowKey(text)
            if let lane = lanes.removeValue(forKey: text) {
                #expect(directory.lane(of: key) == lane)
                directory.forgetIfUnheld(lane)
                #expect(directory.lane(of: key) == nil)
            } else {
                #expect(directory.lane(of: key) == nil)
                let lane = directory.lane(for: key)
                #expect(!lanes.values.contains(lane), "a lane in use was handed out again")
                lanes[text] = lane
            }
            #expect(directory.count == lanes.count)
        }
        for (text, lane) in lanes {
            #expect(directory.lane(of: WindowKey(text)) == lane)
        }
    }

    /// The guess made to request a key's state ahead is that key's lane or no guess at all: a wrong
    /// lane would only waste a prefetch, but a guess that is never right would save nothing.
    @Test func likelyLaneIsTheKeysLaneOrNone() {
        let directory = KeyDirectory()
        #expect(directory.likelyLane(of: WindowKey("absent")) == nil)
        var lanes: [String: Int] = [:]
        for index in 0..<5_000 {
            let text = "card-\(index)"
            lanes[text] = directory.lane(for: WindowKey(text))
        }
        var guessed = 0
        for (text, lane) in lanes {
            guard let guess = directory.likelyLane(of: WindowKey(text)) else { continue }
            #expect(guess == lane)
            guessed += 1
        }
        #expect(guessed * 10 >= lanes.count * 9, "only \(guessed) of \(lanes.count) keys guessed")
    }

    @Test func sharedKeyStaysWhileEitherStoreHoldsIt() {
        let short = SlidingWindowStore(function: .count, widthMilliseconds: 1_000)
        let long = SlidingWindowStore(function: .count, widthMilliseconds: 10_000)
        #expect(long.share(keysOf: short.keys))
        let card = WindowKey("card")
        let lane = short.keys.lane(for: card)
        #expect(short.recordAndAggregate(lane: lane, time: 100, value: nil, as: .count) == Self.number("1"))
        #expect(long.recordAndAggregate(lane: lane, time: 100, value: nil, as: .count) == Self.number("1"))
        short.advance(watermark: 5_000)
        #expect(short.activeKeys == 0)
        #expect(short.keys.lane(of: card) == lane, "the long window still holds the key")
        #expect(short.aggregate(lane: lane, at: 5_000, as: .count) == Self.number("0"))
        #expect(long.aggregate(key: card, at: 5_000) == Self.number("1"))
        long.advance(watermark: 20_000)
        #expect(short.keys.count == 0)
        #expect(long.activeKeys == 0)
    }

    @Test func storeThatHoldsKeysKeepsItsDirectory() {
        let store = SlidingWindowStore(function: .count, widthMilliseconds: 1_000)
        store.record(key: WindowKey("card"), time: 1, value: nil)
        #expect(!store.share(keysOf: KeyDirectory()))
        #expect(store.aggregate(key: WindowKey("card"), at: 1) == Self.number("1"))
    }

    @Test func droppedStoreReleasesItsKeys() {
        let kept = SlidingWindowStore(function: .count, widthMilliseconds: 1_000)
        var dropped: SlidingWindowStore? = SlidingWindowStore(function: .sum, widthMilliseconds: 1_000)
        #expect(dropped?.share(keysOf: kept.keys) == true)
        let lane = kept.keys.lane(for: WindowKey("card"))
        _ = dropped?.recordAndAggregate(lane: lane, time: 1, value: Self.number("5"), as: .sum)
        #expect(kept.keys.count == 1)
        dropped = nil
        #expect(kept.keys.count == 0)
    }

    @Test func keyThatNoStoreRecordedIsForgotten() {
        let store = SlidingWindowStore(function: .sum, widthMilliseconds: 1_000)
        let lane = store.keys.lane(for: WindowKey("card"))
        #expect(store.recordAndAggregate(lane: lane, time: 1, value: nil, as: .sum) == Self.number("0"))
        store.keys.forgetIfUnheld(lane)
        #expect(store.keys.count == 0)
        #expect(store.activeKeys == 0)
    }
}
