import Testing
import VigilEngine
import VigilEvents
import VigilRules
import VigilTesting

@Suite struct EngineBehaviourTests {
    @Test func cooldownHoldsBackRepeatsAndReportsHowMany() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: burst
                description: Burst
                severity: high
                expression: count(by: card_id, over: 1h) > 1
                cooldown: 10m
            """)
        let card = ["card_id": "c-1"]
        var fired: [(id: String, suppressed: Int)] = []
        for (index, minute) in [0, 1, 2, 3, 4, 15, 16].enumerated() {
            for alert in driver.alerts(TestEvent.json(id: "e\(index)", ts: Int64(minute) * 60_000, amount: "1", card)) {
                fired.append((alert.eventID, alert.suppressedFirings))
            }
        }
        // e1 fires; e2, e3, e4 fall inside its 10-minute cooldown; e5 fires and reports the three.
        #expect(fired.map(\.id) == ["e1", "e5"])
        #expect(fired.map(\.suppressed) == [0, 3])
        #expect(driver.engine.statistics.rules.first?.suppressed == 4)
    }

    /// A cooldown holds back matches within it on either side of the key's latest alert; a late
    /// payment from well before that alert is an alert of its own, not a repeat of it.
    @Test func aLatePaymentACooldownBeforeTheLatestAlertStillFires() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: big
                description: Big
                severity: high
                expression: amount > 100
                cooldown: 1m
            """)
        let card = ["card_id": "c-1"]
        var fired: [String] = []
        for (index, seconds) in [600, 300, 570, 640, 320, 400].enumerated() {
            for alert in driver.alerts(TestEvent.json(id: "e\(index)", ts: Int64(seconds) * 1_000, amount: "500", card)) {
                fired.append(alert.eventID)
            }
        }
        // e0 fires at 10:00; e1 (05:00, five minutes earlier) fires; e2 (09:30) and e3 (10:40) are
        // within a minute of the latest alert, e0, and e4 (05:20) within a minute of e1's: held
        // back. e5 (06:40) is a minute or more from every alert, and fires.
        #expect(fired == ["e0", "e1", "e5"])
        #expect(driver.engine.statistics.rules.first?.suppressed == 3)
    }

    /// A late match is judged against every alert of its key, not only the latest: one a minute
    /// after an earlier alert is held back although newer alerts came between.
    @Test func aLatePaymentWithinTheCooldownOfAnEarlierAlertIsHeldBack() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: any-payment
                description: A payment, at most one alert per card per two minutes
                severity: low
                expression: count(by: card_id, over: 1h) >= 1
                cooldown: 2m
            """)
        let card = ["card_id": "c-1"]
        var fired: [String] = []
        for (index, minutes) in [0, 5, 10, 1, 3].enumerated() {
            for alert in driver.alerts(TestEvent.json(id: "e\(index)", ts: Int64(minutes) * 60_000, amount: "1", card)) {
                fired.append(alert.eventID)
            }
        }
        // e0 (00:00), e1 (00:05) and e2 (00:10) fire; e3 (00:01) is within two minutes of e0's
        // alert, two alerts back: held back. e4 (00:03) is two minutes or more from every alert, and fires.
        #expect(fired == ["e0", "e1", "e2", "e4"])
        #expect(driver.engine.statistics.rules.first?.suppressed == 1)
    }

    /// In `a and b or c and d`, the alert lists every comparison; each says whether it held, so a
    /// reader can tell the branch that fired from the one that did not.
    @Test func alertJSONSaysWhichComparisonsHeld() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: limit
                description: Limit
                severity: high
                expression: currency == "JPY" and amount > 1500000 or currency != "JPY" and amount > 10000
            """)
        let alert = try #require(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "25000", ["currency": "EUR"])).first)
        let json = String(decoding: alert.jsonBytes(), as: UTF8.self)
        #expect(json.contains(#""text":"currency == \"JPY\"","left":"EUR","op":"==","right":"JPY","holds":false"#), "\(json)")
        #expect(json.contains(#""text":"amount > 10000","left":25000,"op":">","right":10000,"holds":true"#), "\(json)")
    }

    @Test func shadowRuleAlertsAreMarkedShadow() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: trial
                description: Trial limit
                severity: low
                mode: shadow
                expression: amount > 5
            """)
        let alert = try #require(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "6", ["card_id": "c"])).first)
        #expect(alert.mode == .shadow)
    }

    @Test func eventBeyondTheAllowedLatenessIsReportedLate() throws {
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = 60_000
        let driver = try EngineTestDriver(rules: "rules:\n  - {id: any, description: d, severity: low, expression: amount > 0}\n", options: options)
        driver.send(TestEvent.json(id: "now", ts: 1_000_000, amount: "1"))
        guard case .late(let eventTime, let watermark) = driver.send(TestEvent.json(id: "old", ts: 1_000_000 - 60_001, amount: "1")) else {
            Issue.record("an event 60.001 s behind should be late")
            return
        }
        #expect(eventTime == 939_999)
        #expect(watermark == 940_000)
        guard case .evaluated = driver.send(TestEvent.json(id: "edge", ts: 940_000, amount: "1")) else {
            Issue.record("an event exactly at the watermark is in time")
            return
        }
    }

    @Test func aLateEventsDeadLetterSaysHowLateAsPeopleWriteDurations() {
        let detail = EngineOutcome.lateDetail(eventTime: 1_798_761_000_000, watermark: 1_798_761_620_000)
        #expect(detail == "event time 2026-12-31T23:50:00.000Z is 10m20s before the watermark 2027-01-01T00:00:20.000Z")
    }

    /// A repartition topic's engine merges input partitions; one of them trailing the others (its
    /// replica stalled in a rebalance) must not make its events late.
    @Test func sourcePartitionFallingBehindHoldsTheWatermarkBack() throws {
        let driver = try Self.lateDriver(rules: "rules:\n  - {id: pair, description: d, severity: low, expression: 'count(by: card_id, over: 10m) > 1'}\n")
        let card = ["card_id": "c-1"]
        #expect(driver.alerts(TestEvent.json(id: "a1", ts: 1_000_000, amount: "1", card), partition: 0).isEmpty)
        driver.send(TestEvent.json(id: "b1", ts: 1_000_000, amount: "1", ["card_id": "c-2"]), partition: 1)
        // Partition 0 runs five minutes ahead, far beyond the allowed lateness of one minute.
        driver.send(TestEvent.json(id: "a2", ts: 1_300_000, amount: "1", ["card_id": "c-3"]), partition: 0)
        #expect(driver.engine.watermark == 940_000)
        let fired = driver.alerts(TestEvent.json(id: "b2", ts: 1_000_500, amount: "1", card), partition: 1)
        #expect(fired.map(\.eventID) == ["b2"])
        #expect(driver.engine.watermark == 940_500)
        // Lateness still applies within partition 1: this is more than a minute behind its newest event.
        guard case .late(_, let watermark) = driver.send(TestEvent.json(id: "b3", ts: 940_499, amount: "1", card), partition: 1) else {
            Issue.record("an event behind the trailing partition's watermark should be late")
            return
        }
        #expect(watermark == 940_500)
    }

    @Test func sourcePartitionBeyondTheSkewNoLongerHoldsTheWatermark() throws {
        let driver = try Self.lateDriver(rules: "rules:\n  - {id: any, description: d, severity: low, expression: amount > 0}\n")
        driver.send(TestEvent.json(id: "b1", ts: 1_000_000, amount: "1"), partition: 1)
        driver.send(TestEvent.json(id: "a1", ts: 1_000_000 + 600_000, amount: "1"), partition: 0)
        #expect(driver.engine.watermark == 940_000, "ten minutes behind, partition 1 still holds the watermark")
        driver.send(TestEvent.json(id: "a2", ts: 1_000_000 + 600_001, amount: "1"), partition: 0)
        #expect(driver.engine.watermark == 1_540_001, "beyond the skew, only partition 0 counts")
        guard case .late = driver.send(TestEvent.json(id: "b2", ts: 1_000_001, amount: "1"), partition: 1) else {
            Issue.record("an event of a partition left behind by more than the skew should be late")
            return
        }
    }

    @Test func watermarkNeverMovesBackWhenASourceAppearsBehind() throws {
        let driver = try Self.lateDriver(rules: "rules:\n  - {id: any, description: d, severity: low, expression: amount > 0}\n")
        driver.send(TestEvent.json(id: "a1", ts: 1_000_000, amount: "1"), partition: 0)
        guard case .evaluated = driver.send(TestEvent.json(id: "c1", ts: 950_000, amount: "1"), partition: 2) else {
            Issue.record("a new partition's event within the lateness should count")
            return
        }
        #expect(driver.engine.watermark == 940_000)
        guard case .late = driver.send(TestEvent.json(id: "c2", ts: 939_999, amount: "1"), partition: 2) else {
            Issue.record("windows may already have evicted what lies behind the watermark")
            return
        }
    }

    /// One minute of allowed lateness, ten minutes of skew between source partitions.
    private static func lateDriver(rules: String) throws -> EngineTestDriver {
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = 60_000
        options.maximumSourceSkewMilliseconds = 600_000
        return try EngineTestDriver(rules: rules, options: options)
    }

    @Test(arguments: [
        ("{\"event_id\":\"e1\",\"amount\":1}", DecodeFailure.Reason.missingField),
        ("not json", DecodeFailure.Reason.invalidJSON),
        ("{\"event_id\":\"e1\",\"ts\":1,\"amount\":\"12\"}", DecodeFailure.Reason.mistypedField),
    ])
    func malformedMessageIsRejectedWithItsReason(message: String, reason: DecodeFailure.Reason) throws {
        let driver = try EngineTestDriver(rules: "rules:\n  - {id: any, description: d, severity: low, expression: amount > 0}\n")
        guard case .rejected(let failure) = driver.send(message) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(failure.reason == reason)
        #expect(driver.engine.statistics.rejected == 1)
    }
}
