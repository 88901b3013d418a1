import Foundation
import Testing
import VigilKafka
import VigilTesting

@Suite struct RunCommandTests {
    static let rules = """
        rules:
          - id: large-amount
            description: One payment above 1000
            severity: high
            expression: amount > 1000
        """

    @Test(arguments: [
        (["--max-bad-share", "5"], "--max-bad-share is a share above 0 and at most 1, got 5.0"),
        (["--commit-interval", "0ms"], "--commit-interval must be at least 1ms"),
        (["--snapshot-interval", "0s"], "--snapshot-interval must be at least 1ms"),
        (["--allowed-lateness", "10"], "Help:  --allowed-lateness <duration>"),
        (["--max-event-time-ahead", "10m"], "--max-event-time-ahead must be shorter than --allowed-lateness (10m)"),
    ])
    func settingsOutOfRangeAreRefusedWithWhatIsAllowed(_ flags: [String], _ message: String) async throws {
        let vigil = try VigilProcess(["run", "--brokers", "127.0.0.1:1"] + flags)
        #expect(try await vigil.waitForExit(timeout: .seconds(10)) == 64, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains(message), "output:\n\(vigil.printed)")
    }

    /// A busy HTTP port fails the start before the replica joins its group: joining first would
    /// leave a member behind, holding partitions until its session times out, on every restart.
    @Test func aBusyHTTPPortFailsTheStartBeforeKafkaIsReached() async throws {
        let (listener, port) = try loopbackSocket(listening: true)
        defer { close(listener) }
        // No broker listens on port 1: reaching Kafka would take the 10 s metadata timeout.
        let vigil = try VigilProcess([
            "run", "--brokers", "127.0.0.1:1", "--http-host", "127.0.0.1", "--http-port", "\(port)",
            "--rules", try makeRulesDirectory(Self.rules),
        ])
        #expect(try await vigil.waitForExit(timeout: .seconds(5)) == 1, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("Error: cannot listen on 127.0.0.1:\(port) (--http-host, --http-port): Address already in use"))
        #expect(!vigil.printed.contains("Usage:"), "the flags were fine")
    }

    /// An empty token file would make the admin API refuse every request, with nothing said.
    @Test func anEmptyAdminTokenFileFailsTheStart() async throws {
        let rules = try makeRulesDirectory(Self.rules)
        let tokenFile = rules + "/../empty-token-\(UUID().uuidString)"
        try "\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let vigil = try VigilProcess([
            "run", "--brokers", "127.0.0.1:1", "--http-host", "127.0.0.1", "--http-port", "\(try freeLoopbackPort())",
            "--admin-token-file", tokenFile, "--rules", rules,
        ])
        #expect(try await vigil.waitForExit(timeout: .seconds(5)) == 1, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("the --admin-token-file file \(tokenFile) is empty"), "output:\n\(vigil.printed)")
    }

    /// A repartition topic created with another partition count than the input (as a broker that
    /// creates topics on first use does) works, but caps the group's scaling: Vigil says so at start.
    @Test func aRepartitionTopicWhosePartitionCountDiffersIsWarnedAbout() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        for topic in ["payments", "alerts", "alerts.shadow", "payments.dead-letter"] { try cluster.createTopic(topic, partitions: 2) }
        try cluster.createTopic("vigil-cli-payments-by-account_id", partitions: 3)
        let rules = "rules:\n  - {id: daily, description: d, severity: low, expression: \"sum(amount, by: account_id, over: 1h) > 100\"}\n"
        let vigil = try VigilProcess([
            "run", "--brokers", cluster.bootstrapServers, "--group", "vigil-cli", "--rules", try makeRulesDirectory(rules),
            "--session-timeout-ms", "6000", "--http-port", "0", "--snapshot-topic", "",
        ])
        let warning = "repartition topic vigil-cli-payments-by-account_id has 3 partitions, the input payments 2: create it with the input's count"
        let deadline = ContinuousClock.now + .seconds(20)
        while !vigil.printed.contains("consuming"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        vigil.signal(SIGTERM)
        #expect(try await vigil.waitForExit(timeout: .seconds(10)) == 0)
        #expect(vigil.printed.contains(warning), "output:\n\(vigil.printed)")
    }

    /// A static member (`--instance-id`, as in the StatefulSet) sends no LeaveGroup: its last line says so.
    @Test(arguments: [nil, "vigil-0"])
    func sigtermCommitsLeavesTheGroupAndExitsZeroWithinTenSeconds(instanceID: String?) async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        for topic in ["payments", "alerts", "alerts.shadow", "payments.dead-letter"] { try cluster.createTopic(topic, partitions: 2) }
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for index in 0..<50 {
            let amount = index % 10 == 0 ? "5000" : "10"
            try producer.send(topic: "payments", key: Array("c-\(index)".utf8), value: Array(TestEvent.json(id: "e\(index)", ts: Int64(index), amount: amount, ["card_id": "c-\(index)"]).utf8))
        }
        #expect(try producer.flush().isEmpty)

        let vigil = try VigilProcess([
            "run", "--brokers", cluster.bootstrapServers, "--group", "vigil-cli", "--input", "payments", "--alerts", "alerts",
            "--rules", try makeRulesDirectory(Self.rules), "--session-timeout-ms", "6000", "--http-port", "0",
        ] + (instanceID.map { ["--instance-id", $0] } ?? []))
        let alerts = try TopicReader.read("alerts", from: cluster, atLeast: 5, quietPeriod: .milliseconds(200))
        #expect(alerts.count == 5)

        vigil.signal(SIGTERM)
        let status = try await vigil.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "exit status; output:\n\(vigil.printed)")
        let farewell = instanceID == nil ? "left the group" : "as a static member it keeps its partitions until the session timeout"
        #expect(vigil.printed.contains(farewell), "output:\n\(vigil.printed)")

        let consumer = try KafkaConsumer(configuration: .test(cluster, group: "vigil-cli"), logger: .quiet)
        defer { consumer.close(timeout: .seconds(5)) }
        let committed = try consumer.committed([TopicPartition(topic: "payments", partition: 0), TopicPartition(topic: "payments", partition: 1)])
        #expect(committed.map(\.offset).reduce(0, +) == 50, "every consumed offset is committed before exit")
    }

    @Test func brokenRulesAreReportedWithLocationAndTheCommandFails() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - id: broken
                description: Misspelt field
                severity: high
                expression: amout > 1000
            """)
        let vigil = try VigilProcess(["run", "--brokers", "127.0.0.1:1", "--rules", directory])
        let status = try await vigil.waitForExit(timeout: .seconds(30))
        #expect(status == 2)
        #expect(vigil.printed.contains("rules.yaml:5:"))
        #expect(vigil.printed.contains("amout"))
        #expect(vigil.printed.contains("^"))
    }

    /// A window state the replica cannot hold is refused before anything joins the group, at the
    /// rule that holds the most, as `vigil rules check` would refuse it.
    @Test func aRuleSetOverTheStateBudgetIsRefusedAtStart() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - id: small
                description: A short window
                severity: low
                expression: count(by: card_id, over: 5m) > 5
              - id: monthly
                description: A month of amounts per card
                severity: high
                expression: sum(amount, by: card_id, over: 30d) > 100000
            """)
        let vigil = try VigilProcess(["run", "--brokers", "127.0.0.1:1", "--rules", directory, "--state-budget", "1GiB"])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 2)
        #expect(vigil.printed.contains("rules.yaml:9:"), "\(vigil.printed)")
        #expect(vigil.printed.contains("exceeds the budget of 1.0 GiB"), "\(vigil.printed)")
        #expect(vigil.printed.contains("sum(amount, by: card_id, over: 30d) of monthly holds the most"), "\(vigil.printed)")
        #expect(!vigil.printed.contains("Connect to"), "refused before Kafka was reached:\n\(vigil.printed)")
    }

    /// Two hours of event ids at 1,000 events/s are about 460 MiB per replica of three: over a 256 MiB budget.
    @Test func eventIDsKeptForDeduplicationCountAgainstTheStateBudget() async throws {
        let directory = try makeRulesDirectory(Self.rules)
        let vigil = try VigilProcess([
            "run", "--brokers", "127.0.0.1:1", "--rules", directory, "--state-budget", "256MiB", "--deduplicate-within", "2h",
        ])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 2)
        #expect(vigil.printed.contains("exceeds the budget of 256.0 MiB"), "\(vigil.printed)")
        #expect(vigil.printed.contains("are event ids kept by --deduplicate-within"), "\(vigil.printed)")
    }
}
