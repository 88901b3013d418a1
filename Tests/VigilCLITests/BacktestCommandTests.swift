import Foundation
import Glibc
import Testing
import VigilKafka
import VigilTesting

@Suite struct BacktestCommandTests {
    static let shippedRules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules").path

    /// Runs `vigil backtest --json` and returns the report object.
    static func backtest(_ arguments: [String]) async throws -> [String: Any] {
        let vigil = try VigilProcess(["backtest", "--json"] + arguments)
        let status = try await vigil.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "output:\n\(vigil.printed)")
        let line = vigil.printed.split(separator: "\n").first { $0.hasPrefix("{") } ?? "{}"
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    static func alerts(_ report: [String: Any]) -> [String: Int] {
        let rules = report["rules"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: rules.map { ($0["rule_id"] as? String ?? "", $0["alerts"] as? Int ?? -1) })
    }

    /// Planted instances that are complete in the file (the last may be cut by --count): the shipped
    /// rules' cooldowns turn each into exactly one alert.
    static func plantedInstances(_ path: String) throws -> (bursts: Int, takeovers: Int, travels: Int, large: Int, malformed: Int) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        func instances(_ prefix: String, _ field: String, atLeast: Int) -> Int {
            let members = events.filter { ($0["card_id"] as? String)?.hasPrefix(prefix) == true }
            return Dictionary(grouping: members) { $0[field] as? String ?? "" }.values.filter { $0.count >= atLeast }.count
        }
        let large = events.filter { ($0["amount"] as? NSNumber)?.intValue == 25000 && $0["event_id"] != nil }.count
        let malformed = lines.filter { !$0.hasPrefix(#"{"event_id":"evt-"#) }.count
        return (instances("c-test-", "card_id", atLeast: 6), instances("c-ato-", "account_id", atLeast: 3), instances("c-travel-", "card_id", atLeast: 3), large, malformed)
    }

    static func generate(_ path: String, count: Int = 20000) async throws {
        let vigil = try VigilProcess(["gen", "--output", path, "--count", "\(count)", "--seed", "21", "--mix", "card-testing=10,ato=10,travel=10,large-amount=5,malformed=10"])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
    }

    @Test func eachPlantedScenarioRaisesOneAlertOfItsRule() async throws {
        let path = GenCommandTests.temporaryPath("planted.jsonl.gz")
        try await Self.generate(path)
        let plain = GenCommandTests.temporaryPath("planted.jsonl")
        try GenCommandTests.gunzip(path).write(to: URL(fileURLWithPath: plain))
        let planted = try Self.plantedInstances(plain)
        #expect(planted.bursts > 5 && planted.takeovers > 5 && planted.travels > 5 && planted.large > 2 && planted.malformed > 5)

        let report = try await Self.backtest(["--rules", Self.shippedRules, "--input", path])
        #expect(report["events_read"] as? Int == 20000)
        #expect(report["rejected"] as? Int == planted.malformed)
        #expect((report["rejected_by_reason"] as? [String: Int])?.values.reduce(0, +) == planted.malformed)
        #expect(report["late"] as? Int == 0)
        let alerts = Self.alerts(report)
        #expect(alerts["card-testing-burst"] == planted.bursts)
        #expect(alerts["account-takeover-devices"] == planted.takeovers)
        #expect(alerts["geo-velocity"] == planted.travels)
        #expect(alerts["large-amount"] == planted.large)
        #expect(alerts["high-risk-country"] == 0)
        let examples = report["examples"] as? [[String: Any]] ?? []
        #expect(examples.count == 3)
        #expect(examples.allSatisfy { ($0["explanation"] as? [String: Any])?["conditions"] != nil })
    }

    @Test func rejectedLinesAreCountedByReason() async throws {
        let path = GenCommandTests.temporaryPath("bad.jsonl")
        try """
            {"event_id":"e1","ts":1798761600000,"amount":12.50,"card_id":"c-1"}
            not json
            {"event_id":"e2","ts":"yesterday","amount":1}
            {"ts":1798761600000,"amount":1}
            {"event_id":"e3","ts":1798761600000,"amount":"12"}
            [1, 2]
            {"event_id":"e4","ts":1798761600000,"amount":20000,"currency":"EUR","card_id":"c-1"}
            {"event_id":"e5","ts":1798760000000,"amount":20000,"card_id":"c-2"}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try await Self.backtest(["--rules", Self.shippedRules, "--input", path])
        #expect(report["events_read"] as? Int == 8)
        #expect(report["rejected_by_reason"] as? [String: Int] == [
            "invalid_json": 1, "invalid_timestamp": 1, "missing_field": 1, "mistyped_field": 1, "not_an_object": 1,
        ])
        #expect(report["late"] as? Int == 1, "e5 is 26 minutes behind e4")
        #expect(Self.alerts(report)["large-amount"] == 1)
    }

    @Test func exampleShowsTheListOfAMembershipTestAndSpacesTheLongestSeverity() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - {id: blocked-merchant, description: d, severity: critical, expression: merchant_id in blocked}
            """)
        try FileManager.default.createDirectory(atPath: directory + "/lists", withIntermediateDirectories: true)
        try "m-7\n".write(toFile: directory + "/lists/blocked.txt", atomically: true, encoding: .utf8)
        let path = GenCommandTests.temporaryPath("blocked.jsonl")
        try #"{"event_id":"e1","ts":1798761600000,"amount":1,"card_id":"c-1","merchant_id":"m-7"}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let vigil = try VigilProcess(["backtest", "--rules", directory, "--input", path])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("blocked-merchant critical key c-1 at"), "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("condition   merchant_id in blocked: m-7 in blocked is true"), "output:\n\(vigil.printed)")
    }

    @Test func compareListsTheAlertsAThresholdChangeAddsAndRemoves() async throws {
        let path = GenCommandTests.temporaryPath("compare.jsonl")
        try await Self.generate(path, count: 8000)
        let changed = try makeRulesDirectory(
            try String(contentsOfFile: Self.shippedRules + "/velocity.yaml", encoding: .utf8)
                .replacingOccurrences(of: "where: amount < 5) > 5", with: "where: amount < 5) > 6"),
            name: "velocity.yaml"
        )
        // The daily spend rule reads its limits from the shipped tables.
        try FileManager.default.copyItem(atPath: Self.shippedRules + "/tables", toPath: changed + "/tables")
        let report = try await Self.backtest(["--rules", Self.shippedRules, "--input", path, "--compare", changed])
        let changes = (report["compare"] as? [String: Any])?["changes"] as? [[String: Any]] ?? []
        let byRule = Dictionary(uniqueKeysWithValues: changes.map { ($0["rule_id"] as? String ?? "", $0) })
        // The changed set drops the rules of the other files, so their alerts are all removed.
        #expect(Set(byRule.keys) == ["card-testing-burst", "account-takeover-devices", "account-daily-spend", "large-amount", "high-risk-country", "geo-velocity", "spend-spike"])
        let bursts = Self.burstEvents(path)
        let added = (byRule["card-testing-burst"]?["added"] as? [[String: String]]) ?? []
        let removed = (byRule["card-testing-burst"]?["removed"] as? [[String: String]]) ?? []
        // Each burst now fires on its seventh small payment instead of its sixth: same key, another event.
        #expect(added.map { $0["key"] ?? "" }.sorted() == bursts.keys.sorted())
        #expect(removed.map { $0["key"] ?? "" }.sorted() == bursts.keys.sorted())
        #expect(Set(added.compactMap { $0["alert_id"] }).isDisjoint(with: removed.compactMap { $0["alert_id"] }))
        // Each change names its payment and where it is in the input, in event time order.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        for change in added + removed {
            let line = try #require(change["source"].flatMap { Int($0.dropFirst("line ".count)) }, "\(change)")
            #expect(lines[line - 1].contains(#""event_id":"\#(change["event_id"] ?? "?")""#), "\(change)")
        }
        #expect(added.compactMap { $0["event_time"] } == added.compactMap { $0["event_time"] }.sorted())
        #expect((byRule["account-takeover-devices"]?["added"] as? [Any])?.isEmpty == true)
        #expect((byRule["account-takeover-devices"]?["removed"] as? [Any])?.isEmpty == true)
        #expect((byRule["geo-velocity"]?["removed"] as? [Any])?.count == Self.alerts(report)["geo-velocity"])
    }

    /// Sends each line to a three-partition topic keyed by its card, one per millisecond at least,
    /// so that the message timestamps keep the file's order across partitions.
    static func topic(of lines: [Substring], on cluster: MockCluster) throws {
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for line in lines {
            let card = line.firstMatch(of: /"card_id":"([^"]+)"/).map { Array($0.1.utf8) } ?? []
            try producer.send(topic: "payments", key: card, value: Array(line.utf8))
            usleep(1_100)
        }
        #expect(try producer.flush().isEmpty)
    }

    @Test func aTopicRaisesWhatTheSameEventsRaiseFromAFile() async throws {
        let path = GenCommandTests.temporaryPath("history.jsonl")
        try await Self.generate(path, count: 4000)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 3)
        try Self.topic(of: lines, on: cluster)

        let fromFile = try await Self.backtest(["--rules", Self.shippedRules, "--input", path])
        let fromTopic = try await Self.backtest(["--rules", Self.shippedRules, "--topic", "payments", "--brokers", cluster.bootstrapServers])
        #expect(fromTopic["events_read"] as? Int == lines.count)
        #expect((fromTopic["rejected_by_reason"] as? [String: Int]) == (fromFile["rejected_by_reason"] as? [String: Int]))
        #expect((fromTopic["rejected"] as? Int ?? 0) > 0, "the generated mix plants malformed events")
        #expect(fromTopic["late"] as? Int == fromFile["late"] as? Int)
        #expect(Self.alerts(fromTopic) == Self.alerts(fromFile))
        #expect(Self.alerts(fromTopic).values.reduce(0, +) > 10)
        // Each alert cites where its event was read: the topic, not a file line.
        let examples = fromTopic["examples"] as? [[String: Any]] ?? []
        #expect(!examples.isEmpty && examples.allSatisfy { ($0["source"] as? [String: Any])?["topic"] as? String == "payments" })
    }

    /// An account's two payments lie in different partitions (their cards hash apart). Read in
    /// time order, the second one's sum holds both; read one partition after another, a third of
    /// the pairs would come second payment first, and the first payment's window (which ends at
    /// its own time) would hold only itself.
    @Test func partitionsAreMergedInTheOrderTheTopicReceivedThem() async throws {
        let rules = try makeRulesDirectory("""
            rules:
              - {id: account-spend, description: d, severity: high, expression: "sum(amount, by: account_id, over: 1h) > 20000"}
            """)
        let start: Int64 = 1_798_761_600_000
        let lines: [Substring] = (0..<20).flatMap { account in
            [(card: "a", amount: 15000), (card: "b", amount: 10000)].enumerated().map { step, payment in
                let time = start + Int64(account) * 10_000 + Int64(step) * 1_000
                return #"{"event_id":"e\#(account)\#(payment.card)","ts":\#(time),"amount":\#(payment.amount),"account_id":"acct-\#(account)","card_id":"c-\#(account)-\#(payment.card)"}"#[...]
            }
        }
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 3)
        try Self.topic(of: lines, on: cluster)

        let report = try await Self.backtest(["--rules", rules, "--topic", "payments", "--brokers", cluster.bootstrapServers])
        #expect(report["events_read"] as? Int == 40)
        #expect(Self.alerts(report)["account-spend"] == 20)
    }

    /// `--max-event-time-ahead` judges each event against its message's timestamp as `vigil run`
    /// does: the event a year ahead is counted as ahead, and the one after it still counts.
    @Test func anEventFarAheadOfItsMessageIsCountedAsAheadWhenTheBoundIsSet() async throws {
        let rules = try makeRulesDirectory("""
            rules:
              - {id: burst, description: d, severity: high, expression: "count(by: card_id, over: 1h) > 2"}
            """)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let times = [now - 2_000, now - 1_000, now + 365 * 24 * 3_600_000, now]
        let lines: [Substring] = times.enumerated().map { index, time in
            #"{"event_id":"e\#(index)","ts":\#(time),"amount":10,"card_id":"c-1"}"#[...]
        }
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 1)
        try Self.topic(of: lines, on: cluster)

        let bounded = try await Self.backtest(
            ["--rules", rules, "--topic", "payments", "--brokers", cluster.bootstrapServers, "--max-event-time-ahead", "1m"])
        #expect([bounded["ahead_of_message"] as? Int, bounded["late"] as? Int] == [1, 0])
        #expect(Self.alerts(bounded)["burst"] == 1)
        // Without the bound the event ahead moves the clock a year on, and the last event is late.
        let unbounded = try await Self.backtest(["--rules", rules, "--topic", "payments", "--brokers", cluster.bootstrapServers])
        #expect([unbounded["ahead_of_message"] as? Int, unbounded["late"] as? Int] == [0, 1])
        #expect(Self.alerts(unbounded)["burst"] == 0)
    }

    @Test func fromSkipsWhatTheTopicHeldBeforeThatTime() async throws {
        let lines: [Substring] = (1...40).map {
            #"{"event_id":"e\#($0)","ts":1798761600000,"amount":\#($0 * 1000),"currency":"EUR","card_id":"c-\#($0)"}"#[...]
        }
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 3)
        try Self.topic(of: Array(lines.prefix(25)), on: cluster)
        usleep(20_000)
        let cut = Date()
        usleep(20_000)
        try Self.topic(of: Array(lines.dropFirst(25)), on: cluster)

        let since = ISO8601DateFormatter.string(from: cut, timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let report = try await Self.backtest(["--rules", Self.shippedRules, "--topic", "payments", "--brokers", cluster.bootstrapServers, "--from", since])
        #expect(report["events_read"] as? Int == 15)
        // Amounts above 10,000 are e11 to e40; after the cut, e26 to e40.
        #expect(Self.alerts(report)["large-amount"] == 15)
        // The text names the topic read and cites an example's event by partition and offset.
        let text = try VigilProcess(["backtest", "--rules", Self.shippedRules, "--topic", "payments", "--brokers", cluster.bootstrapServers, "--from", since])
        #expect(try await text.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(text.printed)")
        #expect(text.printed.contains("over topic payments from \(since)"), "output:\n\(text.printed)")
        #expect(text.printed.contains(/event e26 \(payments\[\d\] offset \d+\)/), "output:\n\(text.printed)")
    }

    @Test func aTopicNeedsBrokersAndExcludesAFile() async throws {
        for arguments in [["--topic", "payments"], ["--topic", "payments", "--input", "x.jsonl", "--brokers", "127.0.0.1:1"]] {
            let vigil = try VigilProcess(["backtest"] + arguments)
            #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 64, "output:\n\(vigil.printed)")
            #expect(vigil.printed.contains("--topic"), "output:\n\(vigil.printed)")
        }
        // A file's lines carry no message timestamp to judge by, and the bound must stay under the lateness.
        for (arguments, message) in [
            (["--input", "x.jsonl", "--max-event-time-ahead", "1m"], "--max-event-time-ahead needs --topic"),
            (["--topic", "payments", "--brokers", "127.0.0.1:1", "--max-event-time-ahead", "10m"], "must be shorter than --allowed-lateness (10m)"),
        ] {
            let vigil = try VigilProcess(["backtest"] + arguments)
            #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 64, "output:\n\(vigil.printed)")
            #expect(vigil.printed.contains(message), "output:\n\(vigil.printed)")
        }
    }

    /// Card-testing bursts complete enough to fire at both thresholds (seven payments or more), by card.
    static func burstEvents(_ path: String) -> [String: Int] {
        let lines = (try? String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")) ?? []
        var cards: [String: Int] = [:]
        for line in lines {
            guard let match = line.firstMatch(of: /"card_id":"(c-test-\d+)"/) else { continue }
            cards[String(match.1), default: 0] += 1
        }
        return cards.filter { $0.value >= 7 }
    }
}
