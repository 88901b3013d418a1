import Testing
import VigilEngine
import VigilEvents
import VigilRules
import VigilTesting

/// With a bound on how far an event's time may run ahead of its message's Kafka timestamp, one
/// event stamped far ahead is set aside instead of moving its partition's event clock, which
/// would make every on-time event after it late.
@Suite struct EventTimeAheadTests {
    static let rules = """
        rules:
          - {id: burst, description: d, severity: high, expression: "count(by: card_id, over: 1h) > 2"}
        """
    static let minute: Int64 = 60_000
    /// When the messages were written, as their Kafka timestamp says.
    static let sent: Int64 = 1_800_000_000_000

    static func options(ahead: Int64?) -> EngineOptions {
        var options = EngineOptions()
        options.maximumTimeAheadMilliseconds = ahead
        return options
    }

    static func payment(_ id: String, at time: Int64) -> String {
        TestEvent.json(id: id, ts: time, amount: "10", ["card_id": "c-1"])
    }

    static func send(_ message: String, to engine: Engine, offset: Int64, messageTime: Int64?) -> EngineOutcome {
        Array(message.utf8).withUnsafeBytes {
            engine.process($0, source: EventSource(topic: "payments", partition: 0, offset: offset), now: 0, messageTime: messageTime)
        }
    }

    /// The events of both runs: two on time, one a year ahead (a clock or unit gone wrong), one on time.
    static let events = [
        payment("e1", at: sent - 2_000), payment("e2", at: sent - 1_000),
        payment("ahead", at: sent + 365 * 24 * 60 * minute), payment("e3", at: sent),
    ]

    @Test func anEventFarAheadOfItsMessageIsSetAsideAndTheNextOnTimeEventCounts() throws {
        let driver = try EngineTestDriver(rules: Self.rules, options: Self.options(ahead: Self.minute))
        let outcomes = Self.events.enumerated().map { Self.send($1, to: driver.engine, offset: Int64($0), messageTime: Self.sent) }
        guard case .aheadOfMessage(let eventTime, let messageTime) = outcomes[2] else {
            Issue.record("the event a year ahead was not set aside: \(outcomes[2])")
            return
        }
        #expect(eventTime - messageTime == 365 * 24 * 60 * Self.minute)
        #expect(driver.engine.statistics.aheadOfMessage == 1)
        guard case .evaluated(let alerts) = outcomes[3] else {
            Issue.record("e3 was not evaluated: \(outcomes[3])")
            return
        }
        #expect(alerts.map(\.ruleID) == ["burst"], "e1, e2 and e3 are counted; the one ahead is not")
        #expect(
            EngineOutcome.aheadDetail(eventTime: eventTime, messageTime: messageTime, limit: Self.minute)
                == "event time 2028-01-15T08:00:00.000Z is 365d after its message's timestamp 2027-01-15T08:00:00.000Z, more than the 1m allowed")
    }

    /// The hole the bound closes: without it the event a year ahead moves the clock, and e3 is late.
    @Test func withoutTheBoundOneEventAheadMakesTheNextOnTimeEventLate() throws {
        let driver = try EngineTestDriver(rules: Self.rules, options: Self.options(ahead: nil))
        let outcomes = Self.events.enumerated().map { Self.send($1, to: driver.engine, offset: Int64($0), messageTime: Self.sent) }
        guard case .late = outcomes[3] else {
            Issue.record("e3 was not late: \(outcomes[3])")
            return
        }
    }

    @Test func withinTheBoundOrWithoutAMessageTimeAnEventCounts() throws {
        let driver = try EngineTestDriver(rules: Self.rules, options: Self.options(ahead: Self.minute))
        let within = Self.send(Self.payment("e1", at: Self.sent + 30_000), to: driver.engine, offset: 0, messageTime: Self.sent)
        let unstamped = Self.send(Self.payment("e2", at: Self.sent + 40_000), to: driver.engine, offset: 1, messageTime: nil)
        for outcome in [within, unstamped] {
            guard case .evaluated = outcome else {
                Issue.record("an event within the bound, or with no message time, was set aside: \(outcome)")
                continue
            }
        }
    }

    /// A backfill leaves the event ahead out, as live evaluation did.
    @Test func aBackfillLeavesOutAnEventThatWasAhead() throws {
        let driver = try EngineTestDriver(
            rules: "rules:\n  - {id: big, description: d, severity: high, expression: amount > 1000}\n", options: Self.options(ahead: Self.minute))
        for (offset, event) in Self.events.enumerated() {
            _ = Self.send(event, to: driver.engine, offset: Int64(offset), messageTime: Self.sent)
        }
        driver.engine.replace(
            plan: try RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: Self.rules)]).get())
        let admitted = driver.backfill(Self.events, messageTime: Self.sent)
        #expect(admitted == [true, true, false, true])
    }
}
