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
