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

    @Test func sigtermCommitsLeavesTheGroupAndExitsZeroWithinTenSeconds() async throws {
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
            "--rules", try makeRulesDirectory(Self.rules), "--session-timeout-ms", "6000",
        ])
        let alerts = try TopicReader.read("alerts", from: cluster, atLeast: 5, quietPeriod: .milliseconds(200))
        #expect(alerts.count == 5)

        vigil.signal(SIGTERM)
        let status = try await vigil.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "exit status; output:\n\(vigil.printed)")

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
}
