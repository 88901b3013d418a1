import Foundation
import Testing
import VigilKafka
import VigilTesting

@Suite struct TailCommandTests {
    /// An alert message as the pipeline writes it, cut down to what `tail` reads.
    static func alert(_ id: String, rule: String, severity: String, card: String) -> String {
        #"{"alert_id":"\#(id)","rule_id":"\#(rule)","severity":"\#(severity)","mode":"active","key":{"card_id":"\#(card)"},"#
            + #""observed":6,"threshold":5,"event_id":"evt-\#(id)","event_ts":"2027-01-01T00:00:00.000Z"}"#
    }

    static let alerts = [
        alert("a1", rule: "card-testing-burst", severity: "high", card: "c-1"),
        alert("a2", rule: "large-amount", severity: "medium", card: "c-2"),
        alert("a3", rule: "card-testing-burst", severity: "critical", card: "c-3"),
        alert("a4", rule: "geo-velocity", severity: "low", card: "c-2"),
        alert("a5", rule: "large-amount", severity: "info", card: "c-5"),
    ]

    /// A one-partition alert topic, so the order alerts are printed in is the order they were sent.
    static func clusterWithAlerts(_ values: [String], topic: String = "alerts") throws -> MockCluster {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic(topic, partitions: 1)
        try send(values, to: topic, on: cluster)
        return cluster
    }

    static func send(_ values: [String], to topic: String, on cluster: MockCluster) throws {
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for value in values {
            let card = value.firstMatch(of: /"card_id":"([^"]+)"/).map { String($0.1) } ?? ""
            try producer.send(topic: topic, key: Array(card.utf8), value: Array(value.utf8))
        }
        #expect(try producer.flush().isEmpty)
    }

    /// The JSON lines `vigil tail --json` printed, without the log lines that share the output.
    static func jsonLines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("{") }
    }

    static func tail(_ cluster: MockCluster, _ arguments: [String]) async throws -> (status: Int32?, output: String) {
        let vigil = try VigilProcess(["tail", "--brokers", cluster.bootstrapServers, "--log-level", "error"] + arguments)
        let status = try await vigil.waitForExit(timeout: .seconds(60))
        return (status, vigil.printed)
    }

    @Test func jsonModePrintsEachAlertUnchangedAndStopsAtTheLimit() async throws {
        let cluster = try Self.clusterWithAlerts(Self.alerts)
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--json", "--limit", "4"])
        #expect(status == 0, "output:\n\(output)")
        #expect(Self.jsonLines(output) == Array(Self.alerts.prefix(4)))
    }

    /// Alert fields come from payments that upstream producers wrote: escapes in them are written
    /// out, so an alert cannot retitle the operator's terminal, clear it or forge a row.
    @Test func controlCharactersInAnAlertAreWrittenOut() async throws {
        let hostile = Self.alert("a1", rule: #"r\u0000\u001b[31mRED"#, severity: "high", card: #"c-\u001b]0;pwned\u0007\nFAKE"#)
        let cluster = try Self.clusterWithAlerts([hostile])
        for mode in [["--explain"], []] {
            let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--limit", "1"] + mode)
            #expect(status == 0, "output:\n\(output)")
            #expect(!output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "output:\n\(output)")
            let row = output.split(separator: "\n").first { $0.contains("evt-a1") } ?? ""
            #expect(row.contains(#"r\x00\x1B[31mRED"#), "output:\n\(output)")
            #expect(row.contains(#"card_id=c-\x1B]0;pwned"#), "the key stays on its row; output:\n\(output)")
        }
    }

    /// JSON lets a string hold C1 controls and bidirectional overrides raw: `--json` writes them
    /// as `\u` escapes, which JSON reads as the same text.
    @Test func jsonModeEscapesWhatJSONMayHoldRaw() async throws {
        let cluster = try Self.clusterWithAlerts([Self.alert("a1", rule: "r", severity: "high", card: "c-\u{9B}2J\u{202E}gnp.exe")])
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--limit", "1", "--json"])
        #expect(status == 0, "output:\n\(output)")
        let line = try #require(Self.jsonLines(output).first)
        #expect(!line.unicodeScalars.contains { $0 == "\u{9B}" || $0 == "\u{202E}" }, "output:\n\(output)")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect((object?["key"] as? [String: String])?["card_id"] == "c-\u{9B}2J\u{202E}gnp.exe", "the same text once read")
    }

    /// A topic of payments named by mistake looks like a quiet alert topic unless tail says that
    /// what it reads is not alerts.
    @Test func messagesThatAreNotAlertsAreNamedAndCounted() async throws {
        let cluster = try Self.clusterWithAlerts([#"{"event_id":"e1","amount":5}"#, "not json", Self.alerts[0]])
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--limit", "1"])
        #expect(status == 0, "output:\n\(output)")
        #expect(output.contains("alerts[0] offset 0 is not an alert"), "output:\n\(output)")
        #expect(output.contains("2 messages that are not alerts skipped"), "output:\n\(output)")
        #expect(output.contains("evt-a1"), "output:\n\(output)")
    }

    /// After a partition moves, its next owner publishes what it replays again, with the same ids:
    /// `tail` shows each alert once, and says how many repeats it left out.
    @Test func anAlertPublishedAgainIsShownOnce() async throws {
        let republished = [Self.alerts[0], Self.alerts[1], Self.alerts[0], Self.alerts[1], Self.alerts[2]]
        let cluster = try Self.clusterWithAlerts(republished)
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--json", "--limit", "3"])
        #expect(status == 0, "output:\n\(output)")
        #expect(Self.jsonLines(output) == Array(Self.alerts.prefix(3)))
        #expect(output.contains("2 alerts published again (same alert_id) not shown twice"), "output:\n\(output)")
    }

    /// The last alert of the filter tests: the limit counts it, so over-admitting filters show up before it.
    static let end = alert("end", rule: "large-amount", severity: "critical", card: "c-2")

    @Test(arguments: [
        (["--rule", "large-amount"], ["a2", "a5", "end"]),
        (["--rule", "geo-velocity", "--rule", "card-testing-burst"], ["a1", "a3", "a4"]),
        (["--severity", "high"], ["a1", "a3", "end"]),
        (["--severity", "medium"], ["a1", "a2", "a3", "end"]),
        (["--key", "c-2"], ["a2", "a4", "end"]),
        (["--key", "c-2", "--rule", "large-amount", "--severity", "high"], ["end"]),
    ])
    func filtersShowOnlyTheMatchingAlerts(filter: [String], expectedIDs: [String]) async throws {
        let cluster = try Self.clusterWithAlerts(Self.alerts + [Self.end])
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--json", "--limit", "\(expectedIDs.count)"] + filter)
        #expect(status == 0, "output:\n\(output)")
        let expected = (Self.alerts + [Self.end]).filter { line in expectedIDs.contains { line.contains(#""alert_id":"\#($0)""#) } }
        #expect(Self.jsonLines(output) == expected)
    }

    @Test func fromATimeSkipsAlertsPublishedBefore() async throws {
        let cluster = try Self.clusterWithAlerts(Array(Self.alerts.prefix(3)))
        // Alerts carry their publication time: wait for the clock to pass the older ones' millisecond.
        let cut = Date()
        while Date().timeIntervalSince(cut) < 0.005 { await Task.yield() }
        try Self.send(Array(Self.alerts.suffix(2)), to: "alerts", on: cluster)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let (status, output) = try await Self.tail(cluster, ["--from", formatter.string(from: cut.addingTimeInterval(0.002)), "--json", "--limit", "2"])
        #expect(status == 0, "output:\n\(output)")
        #expect(Self.jsonLines(output) == Array(Self.alerts.suffix(2)))
    }

    @Test func tableModeShowsAlignedRowsAndShadowReadsTheShadowTopic() async throws {
        let cluster = try Self.clusterWithAlerts(Array(Self.alerts.prefix(2)), topic: "risk.shadow")
        let (status, output) = try await Self.tail(cluster, ["--topic", "risk", "--shadow", "--from", "beginning", "--limit", "2"])
        #expect(status == 0, "output:\n\(output)")
        let rows = output.split(separator: "\n").filter { $0.hasPrefix("2027-01-01T00:00:00.000Z") }
        #expect(rows.count == 2)
        #expect(rows.first?.contains("card-testing-burst") == true)
        #expect(rows.first?.contains("card_id=c-1") == true)
        #expect(rows.first?.contains("6 vs 5") == true)
        #expect(Set(rows.map { $0.firstRange(of: "evt-")?.lowerBound.utf16Offset(in: $0) }).count == 1, "columns line up")
        #expect(output.contains("EVENT TIME"))
    }

    /// A whole alert as the pipeline writes it: the README's example, after two firings held back by the cooldown.
    static let explainedAlert = #"""
        {"alert_id":"5b0f0c8f4a3c1e3b9d9e2f7a1c6d4b21","rule_id":"card-testing-burst","severity":"high","mode":"active",\#
        "description":"More than five payments on one card within five minutes","key":{"card_id":"c-test-1"},\#
        "observed":6,"threshold":5,"condition":"count(by: card_id, over: 5m) > 5",\#
        "window":{"duration_ms":300000,"start_exclusive":"2027-01-01T00:00:11.250Z","end":"2027-01-01T00:05:11.250Z"},\#
        "event_id":"evt-42-630","event_ts":"2027-01-01T00:05:11.250Z","detected_at":"2026-11-27T10:15:00.123Z",\#
        "ruleset_version":"rs-8c1d2e3f4a5b6c7d","source":{"topic":"payments","partition":3,"offset":1042},\#
        "suppressed_firings":2,"labels":{"scenario":"card-testing"},"explanation":{"expression":"count(by: card_id, over: 5m) > 5",\#
        "conditions":[{"text":"count(by: card_id, over: 5m) > 5","left":6,"op":">","right":5,"holds":true},\#
        {"text":"currency == \"JPY\"","left":"EUR","op":"==","right":"JPY","holds":false}],\#
        "aggregates":[{"text":"count(by: card_id, over: 5m)","value":6,"window":{"duration_ms":300000,\#
        "start_exclusive":"2027-01-01T00:00:11.250Z","end":"2027-01-01T00:05:11.250Z"}}],"fields":{"amount":1234567890.123456}}}
        """#

    @Test func explainSaysUnderEachRowWhyTheAlertFired() async throws {
        let cluster = try Self.clusterWithAlerts([Self.explainedAlert])
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--explain", "--limit", "1"])
        #expect(status == 0, "output:\n\(output)")
        let row = try #require(output.split(separator: "\n").first { $0.hasPrefix("2027-01-01T00:05:11.250Z") })
        #expect(row.contains("6 > 5"), "the row joins observed and threshold by the rule's operator")
        #expect(row.contains("(+2 suppressed)"))
        for expected in [
            "More than five payments on one card within five minutes",
            "count(by: card_id, over: 5m) > 5  →  6 > 5  held",
            #"currency == "JPY"  →  "EUR" == "JPY"  did not hold"#,
            "count(by: card_id, over: 5m) = 6 over 5m, (2027-01-01T00:00:11.250Z, 2027-01-01T00:05:11.250Z]",
            "amount=1234567890.123456",
            "rs-8c1d2e3f4a5b6c7d  ·  2 firings held back by the cooldown since the previous alert",
            "payments[3] offset 1042  ·  detected 2026-11-27T10:15:00.123Z  ·  alert 5b0f0c8f4a3c1e3b9d9e2f7a1c6d4b21",
        ] {
            #expect(output.contains(expected), "missing \(expected) in:\n\(output)")
        }
    }

    /// A rule that reads a table says under its row which value it read, and for which key.
    @Test func explainShowsTheTableValuesAnAlertRead() async throws {
        let alert = #"""
            {"alert_id":"7c1e","rule_id":"large-amount","severity":"high","mode":"active","key":{"card_id":"c-1"},\#
            "observed":2000000,"threshold":1500000,"condition":"amount > large_payment_limit[currency]","window":null,\#
            "event_id":"evt-1","event_ts":"2027-01-01T00:00:00.000Z","explanation":{"expression":"amount > large_payment_limit[currency]",\#
            "conditions":[{"text":"amount > large_payment_limit[currency]","left":2000000,"op":">","right":1500000,"holds":true}],\#
            "aggregates":[],"lookups":[{"text":"large_payment_limit[currency]","key":"JPY","value":1500000,"default":false},\#
            {"text":"other_limit[channel]","key":"ecom","value":10000,"default":true}],"fields":{"currency":"JPY"}}}
            """#
        let cluster = try Self.clusterWithAlerts([alert])
        let (status, output) = try await Self.tail(cluster, ["--from", "beginning", "--explain", "--limit", "1"])
        #expect(status == 0, "output:\n\(output)")
        #expect(output.contains(#"large_payment_limit[currency] = 1500000 for key "JPY""#), "output:\n\(output)")
        #expect(output.contains(#"other_limit[channel] = 10000 for key "ecom"  (default row)"#), "output:\n\(output)")
    }

    /// A mistyped topic fails at once and names the topics there, instead of waiting on a topic
    /// that a broker creating topics on first use would have made for it.
    @Test func aTopicThatDoesNotExistFailsNamingTheTopicsThatDo() async throws {
        let cluster = try Self.clusterWithAlerts(Array(Self.alerts.prefix(1)))
        let vigil = try VigilProcess(["tail", "--brokers", cluster.bootstrapServers, "--log-level", "error", "--topic", "alert"])
        let status = try await vigil.waitForExit(timeout: .seconds(20))
        #expect(status == 1, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("topic alert does not exist on brokers \(cluster.bootstrapServers); its topics: alerts"), "\(vigil.printed)")
    }

    /// Standard error says once what tail waits on, so that a quiet topic is not taken for a hung
    /// command; standard output, what a pipe gets, holds the alerts only.
    @Test func standardErrorSaysOnceWhatTailWaitsOnAndStandardOutputHoldsOnlyAlerts() async throws {
        let cluster = try Self.clusterWithAlerts(Self.alerts)
        let vigil = try VigilProcess(
            ["tail", "--brokers", cluster.bootstrapServers, "--from", "beginning", "--json", "--limit", "2", "--rule", "large-amount"],
            keepsErrorsApart: true)
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)\(vigil.printedToStandardError)")
        #expect(vigil.printed.split(separator: "\n").map(String.init) == [Self.alerts[1], Self.alerts[4]])
        let note = "vigil tail: waiting for alerts on alerts (1 partition) at \(cluster.bootstrapServers), from the beginning, "
            + "rule large-amount; stops after 2 alerts or Ctrl-C"
        let errors = vigil.printedToStandardError
        #expect(errors.components(separatedBy: note).count == 2, "said once:\n\(errors)")
    }

    /// Following new alerts, the note says so and how to stop; a quiet topic leaves it the only line.
    @Test func aTailOnAQuietTopicSaysItWaitsForNewAlertsUntilCtrlC() async throws {
        let cluster = try Self.clusterWithAlerts(Array(Self.alerts.prefix(1)))
        let vigil = try VigilProcess(["tail", "--brokers", cluster.bootstrapServers, "--json"], keepsErrorsApart: true)
        let note = "vigil tail: waiting for alerts on alerts (1 partition) at \(cluster.bootstrapServers), new alerts only; Ctrl-C to stop"
        let deadline = ContinuousClock.now + .seconds(30)
        while !vigil.printedToStandardError.contains(note), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        vigil.signal(SIGINT)
        #expect(try await vigil.waitForExit(timeout: .seconds(15)) == 0)
        #expect(vigil.printedToStandardError.contains(note), "standard error:\n\(vigil.printedToStandardError)")
        #expect(vigil.printed.isEmpty, "an alert published before the start is not shown: \(vigil.printed)")
    }

    @Test func sigintEndsAFollowingTailWithExitZero() async throws {
        let cluster = try Self.clusterWithAlerts(Array(Self.alerts.prefix(2)))
        let vigil = try VigilProcess(["tail", "--brokers", cluster.bootstrapServers, "--from", "beginning", "--json"])
        try await Self.waitUntil(vigil) { Self.jsonLines($0).count == 2 }
        vigil.signal(SIGINT)
        #expect(try await vigil.waitForExit(timeout: .seconds(15)) == 0, "output:\n\(vigil.printed)")
        #expect(Self.jsonLines(vigil.printed) == Array(Self.alerts.prefix(2)))
    }

    @Test func aGroupResumesAfterWhatItShowed() async throws {
        let cluster = try Self.clusterWithAlerts(Self.alerts)
        let first = try await Self.tail(cluster, ["--from", "beginning", "--json", "--limit", "2", "--group", "ops"])
        #expect(first.status == 0, "output:\n\(first.output)")
        let second = try await Self.tail(cluster, ["--from", "beginning", "--json", "--limit", "3", "--group", "ops"])
        #expect(second.status == 0, "output:\n\(second.output)")
        #expect(Self.jsonLines(first.output) + Self.jsonLines(second.output) == Self.alerts)
    }

    static func waitUntil(_ vigil: VigilProcess, timeout: Duration = .seconds(30), _ condition: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(vigil.printed), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition(vigil.printed), "output:\n\(vigil.printed)")
    }
}
