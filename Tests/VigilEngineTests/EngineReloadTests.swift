import Testing
import VigilEngine
import VigilEvents
import VigilRules
import VigilTesting
import VigilValues

@Suite struct EngineReloadTests {
    static func plan(_ yaml: String) throws -> RulePlan {
        try RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: yaml)]).get()
    }

    @Test func unchangedAggregatorsKeepTheirWindowsAcrossAReload() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 5"}
              - {id: daily, description: d, severity: low, expression: "count(by: card_id, over: 1h) > 5"}
            """)
        for index in 0..<2 {
            driver.send(TestEvent.json(id: "e\(index)", ts: Int64(index) * 1000, amount: "1", ["card_id": "c-1"]))
        }
        let summary = driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 2"}
              - {id: wide, description: d, severity: low, expression: "count(by: card_id, over: 2h) > 2"}
            """))
        #expect([summary.keptAggregators, summary.startedAggregators, summary.droppedAggregators] == [1, 1, 1])

        let alerts = driver.alerts(TestEvent.json(id: "e2", ts: 2000, amount: "1", ["card_id": "c-1"]))
        // The 5-minute count kept e0 and e1, so the third payment fires; the new 2-hour count starts empty.
        #expect(alerts.map(\.ruleID) == ["velocity"])
        #expect(alerts.first?.rulesetVersion == driver.engine.plan.version)
    }

    @Test func historyFillsTheWindowsAReloadStartedAndNoOther() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 5"}
            """)
        let history = (0..<3).map { TestEvent.json(id: "e\($0)", ts: Int64($0) * 1000, amount: "10", ["card_id": "c-1"]) }
        for event in history { driver.send(event) }
        #expect(!driver.engine.needsBackfill)
        driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 3"}
              - {id: spend, description: d, severity: low, expression: "sum(amount, by: card_id, over: 1h) > 35"}
            """))
        #expect(driver.engine.needsBackfill)
        #expect(driver.engine.backfillReachMilliseconds == 3_600_000 + EngineOptions().allowedLatenessMilliseconds)
        driver.backfill(history + ["not json"])
        driver.engine.endBackfill()
        #expect(!driver.engine.needsBackfill)

        // The new sum holds the three payments before the reload (30) and this one; the kept
        // count was not given them again, so it stands at four, not seven.
        let alerts = driver.alerts(TestEvent.json(id: "e3", ts: 3000, amount: "10", ["card_id": "c-1"]))
        #expect(alerts.map(\.ruleID).sorted() == ["spend", "velocity"])
        #expect(alerts.first { $0.ruleID == "velocity" }?.explanation.aggregates.first?.value == .number(ExactDecimal(4)!))
    }

    @Test func historyThatWasLateOrDeliveredTwiceStaysOutOfTheNewWindows() throws {
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = 60_000
        options.duplicateWindowMilliseconds = 3_600_000
        let driver = try EngineTestDriver(
            rules: "rules:\n  - {id: big, description: d, severity: high, expression: amount > 1000}\n", options: options)
        let minute: Int64 = 60_000
        let history = [
            TestEvent.json(id: "e0", ts: 0, amount: "10", ["card_id": "c-1"]),
            TestEvent.json(id: "e1", ts: 5 * minute, amount: "10", ["card_id": "c-1"]),
            TestEvent.json(id: "e1", ts: 5 * minute, amount: "10", ["card_id": "c-1"]),
            TestEvent.json(id: "e2", ts: 2 * minute, amount: "10", ["card_id": "c-1"]),
            TestEvent.json(id: "e3", ts: 6 * minute, amount: "10", ["card_id": "c-1"]),
        ]
        #expect(history.map { Self.kind(driver.send($0)) } == ["evaluated", "evaluated", "duplicate", "late", "evaluated"])

        driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: spend, description: d, severity: low, expression: "sum(amount, by: card_id, over: 1h) > 0"}
            """))
        let admitted = driver.backfill(history)
        driver.engine.endBackfill()
        #expect(admitted == [true, true, false, false, true])

        // The new sum holds what live evaluation counted (e0, e1 once, e3) and this payment: 40.
        let alerts = driver.alerts(TestEvent.json(id: "e4", ts: 7 * minute, amount: "10", ["card_id": "c-1"]))
        #expect(alerts.first?.explanation.aggregates.first?.value == .number(ExactDecimal(40)!))
    }

    /// On a repartition topic, history merges input partitions that progress apart, as live
    /// traffic did: the backfill judges each event against the partition furthest behind, as the
    /// live clock did, so a partition trailing within the skew loses nothing.
    @Test func historyMergingInputPartitionsIsJudgedPerPartitionAsLiveTrafficWas() throws {
        let driver = try EngineTestDriver(rules: "rules:\n  - {id: big, description: d, severity: high, expression: amount > 1000}\n")
        let minute: Int64 = 60_000
        // Partition 1 trails partition 0 by 11 minutes: more than the lateness, within the skew.
        let history: [(partition: Int32, event: String)] = [
            (0, TestEvent.json(id: "a0", ts: 0, amount: "10", ["card_id": "c-1"])),
            (1, TestEvent.json(id: "b0", ts: 0, amount: "10", ["card_id": "c-1"])),
            (0, TestEvent.json(id: "a1", ts: 12 * minute, amount: "10", ["card_id": "c-1"])),
            (1, TestEvent.json(id: "b1", ts: 1 * minute, amount: "10", ["card_id": "c-1"])),
        ]
        #expect(history.map { Self.kind(driver.send($0.event, partition: $0.partition)) } == Array(repeating: "evaluated", count: 4))

        driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: spend, description: d, severity: low, expression: "sum(amount, by: card_id, over: 1h) > 0"}
            """))
        let admitted = history.enumerated().map { offset, entry in
            Array(entry.event.utf8).withUnsafeBytes {
                driver.engine.backfill($0, from: EventSource(topic: "payments", partition: entry.partition, offset: Int64(offset)))
            }
        }
        driver.engine.endBackfill()
        #expect(admitted == [true, true, true, true])
        let alerts = driver.alerts(TestEvent.json(id: "a2", ts: 13 * minute, amount: "10", ["card_id": "c-1"]))
        #expect(alerts.first?.explanation.aggregates.first?.value == .number(ExactDecimal(50)!))
    }

    static func kind(_ outcome: EngineOutcome) -> String {
        switch outcome {
        case .evaluated: "evaluated"
        case .rejected: "rejected"
        case .late: "late"
        case .duplicate: "duplicate"
        case .aheadOfMessage: "ahead"
        }
    }

    @Test func aStateStillWaitingForHistoryStartsAgainAtTheNextReload() throws {
        let rules = """
            rules:
              - {id: spend, description: d, severity: low, expression: "sum(amount, by: card_id, over: 1h) > 25"}

            """
        let driver = try EngineTestDriver(rules: "rules:\n  - {id: big, description: d, severity: low, expression: amount > 1000}\n")
        let history = (0..<2).map { TestEvent.json(id: "e\($0)", ts: Int64($0) * 1000, amount: "10", ["card_id": "c-1"]) }
        for event in history { driver.send(event) }
        driver.engine.replace(plan: try Self.plan(rules))
        driver.backfill([history[0]])
        // Reloaded again mid-way: the half-filled sum starts afresh, so a full backfill counts e0 once.
        driver.engine.replace(plan: try Self.plan(rules + "  - {id: big, description: d, severity: low, expression: amount > 1000}\n"))
        #expect(driver.engine.needsBackfill)
        driver.backfill(history)
        driver.engine.endBackfill()
        let alerts = driver.alerts(TestEvent.json(id: "e2", ts: 2000, amount: "10", ["card_id": "c-1"]))
        #expect(alerts.first { $0.ruleID == "spend" }?.explanation.aggregates.first?.value == .number(ExactDecimal(30)!))
    }

    @Test func reloadedFieldsAreDecoded() throws {
        let driver = try EngineTestDriver(rules: "rules:\n  - {id: big, description: d, severity: low, expression: amount > 10}\n")
        driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: foreign, description: d, severity: low, expression: "country != \\"DE\\" and amount > 10"}
            """))
        #expect(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "20", ["country": "FR"])).map(\.ruleID) == ["foreign"])
        #expect(driver.alerts(TestEvent.json(id: "e2", ts: 1, amount: "20", ["country": "DE"])).isEmpty)
    }
}

/// Fields decoded for the engine's owner (an input stage routes events on them) beside the rules' own.
@Suite struct ExtraFieldTests {
    static let rules = "rules:\n  - {id: big, description: d, severity: low, expression: amount > 10}\n"

    static func process(_ engine: Engine, _ message: String) -> EngineOutcome {
        Array(message.utf8).withUnsafeBytes { bytes in
            engine.process(bytes, source: EventSource(topic: "payments", partition: 0, offset: 0), now: 0)
        }
    }

    @Test func extraFieldsAreReadableAfterAnEventAndSurviveAReload() throws {
        let plan = try EngineReloadTests.plan(Self.rules)
        let engine = Engine(plan: plan, alsoDecoding: [FieldSpec(name: "device_id", type: .string)])
        _ = Self.process(engine, TestEvent.json(id: "e1", ts: 0, amount: "20", ["device_id": "d-7", "ip": "10.0.0.1"]))
        #expect(engine.lastEventValue(ofField: "device_id") == .string("d-7"))
        #expect(engine.lastEventValue(ofField: "ip") == nil, "a field nobody asked for is not decoded")

        engine.replace(plan: plan)
        _ = Self.process(engine, TestEvent.json(id: "e2", ts: 1, amount: "20", ["device_id": "d-8"]))
        #expect(engine.lastEventValue(ofField: "device_id") == .string("d-8"), "a reload keeps the extra fields")
        engine.replace(plan: plan, alsoDecoding: [])
        _ = Self.process(engine, TestEvent.json(id: "e3", ts: 2, amount: "20", ["device_id": "d-9"]))
        #expect(engine.lastEventValue(ofField: "device_id") == nil, "unless it names new ones")
    }

    @Test func aDuplicatedExtraFieldIsRejectedLikeARuleField() throws {
        let plan = try EngineReloadTests.plan(Self.rules)
        let message = #"{"event_id":"e1","ts":0,"amount":20,"device_id":"a","device_id":"b"}"#
        guard case .rejected(let failure) = Self.process(Engine(plan: plan, alsoDecoding: [FieldSpec(name: "device_id", type: .string)]), message) else {
            Issue.record("an event with two device ids must not be routed by either")
            return
        }
        #expect(failure.reason == .duplicateField)
        guard case .evaluated = Self.process(Engine(plan: plan), message) else {
            Issue.record("a field no one reads is not checked for duplicates")
            return
        }
    }

    /// A filter that reads a list or a table recorded its window under that list's contents: when
    /// they change, the state starts again and history fills it as the new contents select it;
    /// the same contents in another order or layout keep it.
    @Test func aFilterWhoseListOrTableChangedStartsItsWindowAgain() throws {
        let rules = """
            rules:
              - {id: risky, description: d, severity: high, expression: "count(by: card_id, over: 1h, where: country in watched) > 2"}
              - {id: above, description: d, severity: low, expression: "count(by: card_id, over: 1h, where: amount > limit[currency]) > 2"}
              - {id: busy, description: d, severity: low, expression: "count(by: card_id, over: 1h) > 100"}
            """
        func plan(watched: [String], limits: String) throws -> RulePlan {
            try RuleCompiler.compile(
                sources: [RuleSource(path: "rules.yaml", text: rules)], lists: ["watched": watched], tables: ["limit": limits]).get()
        }
        let driver = try EngineTestDriver(rules: rules, lists: ["watched": ["XX"]], tables: ["limit": "EUR 100\n"])
        let history = (0..<3).map {
            TestEvent.json(id: "e\($0)", ts: Int64($0) * 1000, amount: "50", ["card_id": "c-1", "country": "YY", "currency": "EUR"])
        }
        for event in history { #expect(driver.alerts(event).isEmpty) }

        let reordered = driver.engine.replace(plan: try plan(watched: ["XX"], limits: "# limits\nEUR   100.00\n"))
        #expect([reordered.keptAggregators, reordered.startedAggregators] == [3, 0])
        #expect(!driver.engine.needsBackfill)

        let changed = driver.engine.replace(plan: try plan(watched: ["YY", "XX"], limits: "EUR 40\n"))
        #expect([changed.keptAggregators, changed.startedAggregators, changed.droppedAggregators] == [1, 2, 2])
        #expect(driver.engine.needsBackfill)
        driver.backfill(history)
        driver.engine.endBackfill()

        // The three payments before the change count under the new contents: YY is watched and 50 is above 40.
        let alerts = driver.alerts(
            TestEvent.json(id: "e3", ts: 3000, amount: "50", ["card_id": "c-1", "country": "YY", "currency": "EUR"]))
        #expect(alerts.map(\.ruleID).sorted() == ["above", "risky"])
        #expect(alerts.allSatisfy { $0.explanation.aggregates.first?.value == .number(ExactDecimal(4)!) })
        #expect(alerts.first { $0.ruleID == "risky" }?.explanation.aggregates.first?.text
            == "count(by: card_id, over: 1h, where: country in watched)")
    }
}
