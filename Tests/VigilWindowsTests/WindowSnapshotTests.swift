import Testing
import VigilValues
import VigilWindows

@Suite struct WindowSnapshotTests {
    private static func sampleStore() -> SlidingWindowStore {
        let store = SlidingWindowStore(function: .distinctCount, widthMilliseconds: 60_000)
        let values: [Value] = [.string("merchant-ü"), .number(ExactDecimal("-12.5")!), .bool(true), .bool(false)]
        for (index, value) in values.enumerated() {
            store.record(key: WindowKey("card-\(index % 2)"), time: 1_000 + Int64(index) * 10, value: value)
        }
        store.advance(watermark: 500)
        return store
    }

    @Test func serializedSnapshotRestoresIdenticalAggregates() throws {
        let store = Self.sampleStore()
        let bytes = store.snapshot().serialized()
        let restored = try SlidingWindowStore(serializedSnapshot: bytes)
        #expect(restored.snapshot() == store.snapshot())
        #expect(restored.watermark == 500)
        for time in stride(from: Int64(500), through: 62_000, by: 5) {
            for key in ["card-0", "card-1"] {
                let windowKey = WindowKey(key)
                #expect(restored.aggregate(key: windowKey, at: time) == store.aggregate(key: windowKey, at: time))
            }
        }
    }

    @Test func everyTruncationThrows() {
        let bytes = Self.sampleStore().snapshot().serialized()
        for length in 0..<bytes.count {
            #expect(throws: WindowSnapshotError.self) { try WindowSnapshot(serialized: Array(bytes[..<length])) }
        }
    }

    @Test func signatureAndVersionAreChecked() {
        var bytes = Self.sampleStore().snapshot().serialized()
        bytes[4] = 9
        #expect(throws: WindowSnapshotError.unsupportedVersion(9)) { try WindowSnapshot(serialized: bytes) }
        bytes[0] = 0
        #expect(throws: WindowSnapshotError.notASnapshot) { try WindowSnapshot(serialized: bytes) }
        #expect(throws: WindowSnapshotError.malformed("trailing bytes")) {
            try WindowSnapshot(serialized: Self.sampleStore().snapshot().serialized() + [0])
        }
    }

    /// Random corruption must either fail cleanly or decode to something a store can restore or refuse.
    @Test func corruptedBytesNeverCrash() {
        let original = Self.sampleStore().snapshot().serialized()
        var generator = SplitMix64(seed: 99)
        var failures = 0
        for _ in 0..<5_000 {
            var bytes = original
            for _ in 0...Int.random(in: 0..<3, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                _ = try WindowSnapshot(serialized: bytes)
                _ = try SlidingWindowStore(serializedSnapshot: bytes)
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test func restoreRefusesValuesThatDoNotSuitTheFunction() {
        let snapshot = WindowSnapshot(
            function: .sum, widthMilliseconds: 1_000, watermark: .min,
            keys: [.init(key: "card", observations: [.init(time: 1, value: .string("x"))])]
        )
        #expect(throws: WindowSnapshotError.self) { try SlidingWindowStore(serializedSnapshot: snapshot.serialized()) }
    }
}
