import Logging
import VigilKafka
import VigilPipeline
import VigilRules
import VigilTesting

/// A mock cluster with Vigil's topics, a rule plan, and a way to run pipelines against them.
struct PipelineFixture {
    static let rules = """
        rules:
          - id: large-amount
            description: One payment above 1000
            severity: high
            expression: amount > 1000
          - id: card-velocity
            description: More than two payments on one card in five minutes
            severity: medium
            expression: count(by: card_id, over: 5m) > 2
        """

    let cluster: MockCluster
    let plan: RulePlan
    let inputPartitions: Int

    init(inputPartitions: Int = 3) throws {
        cluster = try MockCluster(brokers: 1, logger: .quiet)
        for (topic, partitions) in [("payments", inputPartitions), ("alerts", 2), ("alerts.shadow", 1), ("payments.dead-letter", 1)] {
            try cluster.createTopic(topic, partitions: partitions)
        }
        plan = try RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: Self.rules)]).get()
        self.inputPartitions = inputPartitions
    }

    func configuration(group: String = "vigil") -> PipelineConfiguration {
        PipelineConfiguration(
            consumer: .test(cluster, group: group), producer: .test(cluster),
            inputTopic: "payments", alertTopic: "alerts"
        )
    }

    /// Produces messages keyed by card (nil key for messages that have none) and waits for their acknowledgement.
    /// - Parameter partitions: a fixed partition per message, to spread one key over several.
    func produce(_ messages: [(key: String?, value: String)], partitions: [Int32]? = nil) throws {
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for (index, message) in messages.enumerated() {
            try producer.send(
                topic: "payments", partition: partitions?[index], key: message.key.map { Array($0.utf8) }, value: Array(message.value.utf8))
        }
        let failures = try producer.flush()
        guard failures.isEmpty else { throw failures[0].error }
    }

    /// Waits until `pipeline` has committed every partition of `topics` (input first) up to its
    /// end. Outputs are acknowledged before the input's commit, so once the input is committed
    /// to its end, the repartition topics read after it have their last messages.
    func waitUntilDrained(_ pipeline: Pipeline, topics: [String], partitions: Int32) async throws {
        let probe = try KafkaConsumer(configuration: .test(cluster, group: "drain-probe"), logger: .quiet)
        defer { probe.close(timeout: .seconds(2)) }
        try await waitUntil(timeout: .seconds(90)) {
            let committed = pipeline.status.snapshot.committed
            return pipeline.status.snapshot.phase == .failed || topics.allSatisfy { topic in
                (0..<partitions).allSatisfy { index in
                    let partition = TopicPartition(topic: topic, partition: index)
                    guard let end = try? probe.queryWatermarks(of: partition).high else { return false }
                    return end == 0 || (committed[partition] ?? -1) >= end
                }
            }
        }
    }

    /// Runs a pipeline until it has consumed `count` messages (or fails), then stops it gracefully.
    func run(_ configuration: PipelineConfiguration, untilConsumed count: Int) async throws -> PipelineSnapshot {
        let pipeline = try Pipeline(configuration: configuration, plan: plan, logger: .quiet)
        let running = Task { try await pipeline.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while pipeline.status.snapshot.eventsConsumed < count, pipeline.status.snapshot.phase != .failed, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        pipeline.requestStop()
        try await running.value
        return pipeline.status.snapshot
    }
}

/// A deterministic workload whose alerts are known in advance.
enum Workload {
    static let minute: Int64 = 60_000

    /// Card c-1 pays four times in three minutes (velocity fires on its 3rd and 4th), c-2 twice
    /// (nothing), c-3 once above the limit; three malformed messages.
    static func first() -> [(key: String?, value: String)] {
        var messages: [(key: String?, value: String)] = []
        for index in 1...4 {
            messages.append(("c-1", TestEvent.json(id: "c1-e\(index)", ts: Int64(index) * minute, amount: "10", ["card_id": "c-1"])))
        }
        for index in 1...2 {
            messages.append(("c-2", TestEvent.json(id: "c2-e\(index)", ts: Int64(index) * minute, amount: "20", ["card_id": "c-2"])))
        }
        messages.append(("c-3", TestEvent.json(id: "c3-e1", ts: 3 * minute, amount: "5000.00", ["card_id": "c-3"])))
        messages.append((nil, "not json"))
        messages.append(("c-4", "{\"event_id\":\"no-ts\",\"amount\":1,\"card_id\":\"c-4\"}"))
        messages.append(("c-5", "{\"event_id\":\"text-amount\",\"ts\":1,\"amount\":\"12.00\",\"card_id\":\"c-5\"}"))
        return messages
    }

    static let firstAlerts: Set<ExpectedAlert> = [
        ExpectedAlert(rule: "card-velocity", event: "c1-e3", key: "c-1"),
        ExpectedAlert(rule: "card-velocity", event: "c1-e4", key: "c-1"),
        ExpectedAlert(rule: "large-amount", event: "c3-e1", key: "c-3"),
    ]

    /// Card c-6 pays three times in two minutes (velocity fires on the third).
    static func second() -> [(key: String?, value: String)] {
        (1...3).map { index in
            ("c-6", TestEvent.json(id: "c6-e\(index)", ts: 10 * minute + Int64(index) * minute, amount: "20", ["card_id": "c-6"]))
        }
    }

    static let secondAlerts: Set<ExpectedAlert> = [ExpectedAlert(rule: "card-velocity", event: "c6-e3", key: "c-6")]
}
