import Testing
import VigilEngine
import VigilEvents
import VigilTesting
import VigilWindows

/// With a deduplication window, a second delivery of an event id is set aside, counted nowhere,
/// and told apart from a first one; an id is forgotten once it falls a window behind.
@Suite struct EngineDeduplicationTests {
    static let rules = """
        rules:
          - {id: burst, description: d, severity: high, expression: "count(by: card_id, over: 1h) > 2"}
        """

    static func options(window: Int64?) -> EngineOptions {
        var options = EngineOptions()
        options.duplicateWindowMilliseconds = window
        options.evictionInterval = 1
        return options
    }

    static func payment(_ id: String, at time: Int64) -> String {
        TestEvent.json(id: id, ts: time, amount: "10", ["card_id": "c-1"])
    }

    @Test func aSecondDeliveryIsSetAsideAndCountedNowhere() throws {
        let driver = try EngineTestDriver(rules: Self.rules, options: Self.options(window: 600_000))
        #expect(driver.alerts(Self.payment("e1", at: 1_000)).isEmpty)
        guard case .duplicate(let eventID, let firstOffset) = driver.send(Self.payment("e1", at: 1_000)) else {
            Issue.record("the second delivery of e1 is a duplicate")
            return
        }
        #expect(eventID == "e1" && firstOffset == 0)
        #expect(driver.alerts(Self.payment("e2", at: 2_000)).isEmpty, "e1 counted once: two payments, not three")
        #expect(driver.alerts(Self.payment("e3", at: 3_000)).map(\.ruleID) == ["burst"])
        #expect(driver.engine.statistics.duplicates == 1)

        // Without a window every delivery counts, so the third message already fires.
        let counting = try EngineTestDriver(rules: Self.rules, options: Self.options(window: nil))
        for message in [Self.payment("e1", at: 1_000), Self.payment("e1", at: 1_000)] { #expect(counting.alerts(message).isEmpty) }
        #expect(counting.alerts(Self.payment("e2", at: 2_000)).map(\.ruleID) == ["burst"])
    }

    @Test func anIdIsForgottenOnceItFallsAWindowBehindTheWatermark() throws {
        let driver = try EngineTestDriver(rules: Self.rules, options: Self.options(window: 60_000))
        driver.send(Self.payment("e1", at: 0))
        // The watermark (newest less 10 minutes of lateness) passes 0 + the 1-minute window.
        driver.send(Self.payment("e2", at: 12 * 60_000))
        if case .duplicate = driver.send(Self.payment("e1", at: 12 * 60_000 + 1)) {
            Issue.record("e1 was held beyond its window")
        }
        if case .duplicate = driver.send(Self.payment("e2", at: 12 * 60_000)) {} else {
            Issue.record("e2 is still within its window")
        }
    }

    @Test func aRestoredEngineKnowsTheIdsOfItsSnapshot() throws {
        let options = Self.options(window: 600_000)
        let original = try EngineTestDriver(rules: Self.rules, options: options)
        original.send(Self.payment("e1", at: 1_000))
        let restored = try EngineTestDriver(rules: Self.rules, options: options)
        try restored.engine.restore(fromSnapshot: original.engine.snapshot()[...])
        guard case .duplicate(_, let firstOffset) = restored.send(Self.payment("e1", at: 1_000)) else {
            Issue.record("the restored engine counts e1 again")
            return
        }
        #expect(firstOffset == 0)
    }

    /// A snapshot written before event ids were kept (version 2: the same bytes without the ids'
    /// count) still restores: an upgrade does not make every partition replay its history.
    @Test func aSnapshotOfTheFormerVersionStillRestores() throws {
        let original = try EngineTestDriver(rules: Self.rules, options: Self.options(window: nil))
        original.send(Self.payment("e1", at: 1_000))
        var bytes = original.engine.snapshot()
        #expect(bytes[4] == 4 && bytes.last == 0, "version 4, ending with no event ids")
        bytes[4] = 2
        bytes.removeLast()
        let restored = try EngineTestDriver(rules: Self.rules, options: Self.options(window: 600_000))
        try restored.engine.restore(fromSnapshot: bytes[...])
        #expect(restored.alerts(Self.payment("e2", at: 2_000)).isEmpty)
        #expect(restored.alerts(Self.payment("e3", at: 3_000)).map(\.ruleID) == ["burst"], "e1's window came back")
    }

    /// Version 3 held the ids themselves; version 4 holds their fingerprints. A snapshot of
    /// version 3 still restores, and its ids are still found.
    @Test func aSnapshotHoldingTheIdsThemselvesStillRestoresThem() throws {
        let original = try EngineTestDriver(rules: Self.rules, options: Self.options(window: nil))
        original.send(Self.payment("e1", at: 1_000))
        var bytes = original.engine.snapshot()
        bytes[4] = 3
        bytes.removeLast()
        var ids = SnapshotWriter()
        ids.writeVarint(1)
        ids.writeString("e1")
        ids.writeSigned(1_000)
        ids.writeSigned(7)
        bytes += ids.bytes
        let restored = try EngineTestDriver(rules: Self.rules, options: Self.options(window: 600_000))
        try restored.engine.restore(fromSnapshot: bytes[...])
        guard case .duplicate(_, let firstOffset) = restored.send(Self.payment("e1", at: 1_000)) else {
            Issue.record("the id of the version 3 snapshot was not restored")
            return
        }
        #expect(firstOffset == 7)
        #expect(restored.alerts(Self.payment("e2", at: 2_000)).isEmpty, "e1 once and e2: two payments")
    }
}
