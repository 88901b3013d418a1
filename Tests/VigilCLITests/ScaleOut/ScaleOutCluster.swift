import Foundation
import Testing
import VigilKafka
import VigilTesting

/// One mock Kafka cluster (a real Kafka-protocol broker on loopback) shared by several `vigil run`
/// processes of one consumer group, a producer feeding them, and the checks made afterwards.
final class ScaleOutCluster: @unchecked Sendable {
    static let group = "vigil-scale"
    static let partitions = 6

    let cluster: MockCluster
    let rulesDirectory: String
    private var replicas: [String: VigilProcess] = [:]
    /// Each replica's HTTP port (health, readiness, metrics).
    private var ports: [String: Int] = [:]
    /// Output of replicas that have exited, kept for failure reports.
    private var finishedOutput: [String] = []

    init(brokers: Int = 1) throws {
        cluster = try MockCluster(brokers: brokers, logger: .quiet)
        for topic in ScaleOutWorkload.topics(group: Self.group) { try cluster.createTopic(topic, partitions: Self.partitions) }
        for topic in ["alerts", "alerts.shadow", "payments.dead-letter"] { try cluster.createTopic(topic, partitions: 3) }
        // Written at commits and read by partitions' new owners; nothing consumes it as a group.
        try cluster.createTopic("\(Self.group)-payments-snapshots", partitions: Self.partitions)
        rulesDirectory = try makeRulesDirectory(ScaleOutWorkload.rules)
    }

    /// Starts `vigil run` as a static member named `name`.
    ///
    /// Snapshots every 2 s, so that partitions that move are restored from a snapshot and the
    /// messages after it, and a replica's shutdown snapshots what it holds.
    ///
    /// The source skew spans the whole workload's event time (under 20 minutes). At 300 events/s
    /// its event time runs 30 times faster than the clock, so an input partition stalled 20 s by a
    /// slow rebalance falls 10 minutes of event time behind the others. The repartition topics'
    /// watermark then waits for it (see the README, "How Vigil scales") as long as the skew allows,
    /// and the alerts match those of a single engine reading the stream in order.
    func start(_ name: String) throws {
        let port = try freeLoopbackPort()
        ports[name] = port
        replicas[name] = try VigilProcess([
            "run", "--brokers", cluster.bootstrapServers, "--group", Self.group, "--instance-id", name,
            "--input", "payments", "--alerts", "alerts", "--rules", rulesDirectory, "--session-timeout-ms", "6000",
            "--max-source-skew", "1h", "--snapshot-interval", "2s",
            "-X", "fetch.wait.max.ms=10", "--http-port", String(port), "--http-host", "127.0.0.1",
        ])
    }

    /// What a running replica has logged so far.
    func output(of name: String) -> String {
        replicas[name]?.printed ?? ""
    }

    /// Waits until replica `name` has been assigned partitions and answers /readyz with 200, which
    /// it does only once their window state is restored.
    func waitUntilReady(_ name: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        guard let port = ports[name], let replica = replicas[name] else { return false }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let holdsPartitions = replica.printed.split(separator: "\n").contains { line in
                line.contains("partitions assigned: ") && !line.contains("partitions assigned: \n") && line.contains("[")
            }
            if holdsPartitions, (try? await HTTP(port: port).get("/readyz").status) == 200 { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// How many partitions replica `name` exports a consumer lag for on /metrics.
    func lagSeries(of name: String) async throws -> Int {
        guard let port = ports[name] else { return 0 }
        let metrics = try await HTTP(port: port).get("/metrics").body
        return metrics.split(separator: "\n").filter { $0.hasPrefix("vigil_consumer_lag_messages{") }.count
    }

    /// Whether every running replica answers /readyz with 200 (joined, restored, broker reachable).
    func allReady() async -> Bool {
        for name in replicas.keys {
            guard let port = ports[name], (try? await HTTP(port: port).get("/readyz").status) == 200 else { return false }
        }
        return true
    }

    /// SIGTERM: the replica finishes its batch, commits and exits 0 within the grace period.
    func stop(_ name: String) async throws {
        guard let replica = replicas.removeValue(forKey: name) else { return }
        replica.signal(SIGTERM)
        let status = try await replica.waitForExit(timeout: .seconds(15))
        finishedOutput.append("== \(name) (stopped)\n" + replica.printed)
        #expect(status == 0, "\(name) exits 0 after SIGTERM; its output is in \(keep(replica.printed, name: name))")
    }

    /// SIGKILL: nothing is flushed or committed; another member must pick its partitions up.
    func kill(_ name: String) async throws {
        guard let replica = replicas.removeValue(forKey: name) else { return }
        replica.signal(SIGKILL)
        _ = try await replica.waitForExit(timeout: .seconds(10))
        finishedOutput.append("== \(name) (killed)\n" + replica.printed)
    }

    /// Produces the workload at `rate` messages per second, keyed by card.
    func feed(_ workload: ScaleOutWorkload, rate: Int) async throws {
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        let started = ContinuousClock.now
        for (index, message) in workload.messages.enumerated() {
            try producer.send(topic: "payments", key: Array(message.key.utf8), value: Array(message.value.utf8))
            if index % 50 == 49 {
                producer.poll()
                let due = started + .milliseconds((index + 1) * 1000 / rate)
                if due > .now { try await Task.sleep(until: due) }
            }
        }
        let failures = try producer.flush()
        #expect(failures.isEmpty, "the feed was acknowledged")
    }

    /// Waits until the group has committed every partition of the input and repartition topics up
    /// to its end, twice in a row a second apart (repartition topics grow while input drains).
    func waitUntilDrained(timeout: Duration = .seconds(120)) async throws -> Bool {
        let reader = try KafkaConsumer(configuration: .test(cluster, group: Self.group), logger: .quiet)
        defer { reader.close(timeout: .seconds(2)) }
        let partitions = ScaleOutWorkload.topics(group: Self.group).flatMap { topic in
            (0..<Int32(Self.partitions)).map { TopicPartition(topic: topic, partition: $0) }
        }
        let deadline = ContinuousClock.now + timeout
        var drainedChecks = 0
        while ContinuousClock.now < deadline {
            let committed = try reader.committed(partitions)
            let drained = try committed.allSatisfy { position in
                position.offset >= (try reader.queryWatermarks(of: position.topicPartition).high)
            }
            drainedChecks = drained ? drainedChecks + 1 : 0
            if drainedChecks >= 2 { return true }
            try await Task.sleep(for: .seconds(1))
        }
        return false
    }

    /// Every alert on the alert topic, duplicates included: id, then rule and event for reports.
    func publishedAlerts(atLeast count: Int) throws -> [(id: String, rule: String, event: String)] {
        try TopicReader.read("alerts", from: cluster, atLeast: count, quietPeriod: .seconds(1)).compactMap { record in
            guard let object = try? JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any],
                let id = object["alert_id"] as? String
            else { return nil }
            return (id, object["rule_id"] as? String ?? "", object["event_id"] as? String ?? "")
        }
    }

    /// Compares the published alerts with the expected ids: every expected id present, no other id,
    /// and duplicates (identical ids, allowed under at-least-once) counted and reported.
    func checkAlerts(expected: Set<String>, scenario: String) throws -> Int {
        let alerts = try publishedAlerts(atLeast: expected.count)
        let published = alerts.map(\.id)
        let distinct = Set(published)
        let duplicates = published.count - distinct.count
        let missing = expected.subtracting(distinct)
        let unexpected = distinct.subtracting(expected)
        print("[\(scenario)] expected \(expected.count) alerts; published \(published.count), \(distinct.count) distinct, "
            + "\(duplicates) duplicate ids, \(missing.count) missing, \(unexpected.count) unexpected")
        let order = missing.isEmpty && unexpected.isEmpty ? "" : orderReport()
        #expect(missing.isEmpty, "\(scenario): \(missing.count) alerts lost\n\(order)\n\(diagnostics)")
        let described = alerts.filter { unexpected.contains($0.id) }.map { "\($0.rule) on \($0.event)" }
        #expect(unexpected.isEmpty, "\(scenario): alerts a single engine does not raise: \(described)\n\(order)\n\(diagnostics)")
        return duplicates
    }

    /// The alert ids of the stream as the input topic stores it: one engine per input partition,
    /// as the replicas keep, reading it in offset order. The mock broker does not deduplicate an
    /// idempotent producer's retries (only a transactional one's), so a feed disturbed by broker
    /// errors can hold a payment twice, which every replica then rightly counts twice.
    func expectedAlertIDsOfStoredInput(atLeast count: Int) throws -> Set<String> {
        let records = try TopicReader.read("payments", from: cluster, atLeast: count)
        var ids: Set<String> = []
        for partition in Set(records.map(\.partition)) {
            let stored = records.filter { $0.partition == partition }.sorted { $0.offset < $1.offset }
            ids.formUnion(try ScaleOutWorkload.alertIDs(of: stored.map(\.text)))
        }
        return ids
    }

    /// Whether the topics kept the order the workload relies on: each card key's events in
    /// production order on the input, and each input partition's offsets rising in every
    /// repartition partition. Printed when alerts differ, to tell a topic's disorder from Vigil's.
    func orderReport() -> String {
        var lines: [String] = []
        if let input = try? TopicReader.read("payments", from: cluster, atLeast: 1) {
            var newestByKey: [String: Int] = [:]
            var seen: [Int: Int] = [:]
            var outOfOrder: [String] = []
            for record in input {
                guard let index = Self.eventIndex(record.text) else { continue }
                seen[index, default: 0] += 1
                let key = record.key ?? ""
                if let newest = newestByKey[key], index < newest { outOfOrder.append("e\(index) after e\(newest) (\(key))") }
                newestByKey[key] = max(newestByKey[key] ?? -1, index)
            }
            let copies = seen.values.filter { $0 > 1 }.count
            lines.append("payments: \(input.count) records, \(seen.count) distinct events, \(copies) written more than once, "
                + "\(outOfOrder.count) behind a later event of their card key \(outOfOrder.prefix(10))")
        }
        let headers = ["vigil.source.partition", "vigil.source.offset"]
        for topic in ScaleOutWorkload.topics(group: Self.group).dropFirst() {
            guard let records = try? TopicReader.read(topic, from: cluster, atLeast: 1, headerNames: headers) else { continue }
            var newest: [String: Int64] = [:]
            var behind: [String] = []
            var repeated = 0
            for record in records.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
                guard let source = record.headers[headers[0]], let offset = record.headers[headers[1]].flatMap({ Int64($0) }) else { continue }
                let stream = "\(record.partition)<-\(source)"
                if let previous = newest[stream], offset < previous { behind.append("[\(stream)] \(offset) after \(previous) at \(record.offset)") }
                if newest[stream] == offset { repeated += 1 }
                newest[stream] = max(newest[stream] ?? -1, offset)
            }
            lines.append("\(topic): \(records.count) messages, \(repeated) repeating the one before, "
                + "\(behind.count) starting behind an earlier message of their input partition \(behind.prefix(10))")
        }
        return lines.joined(separator: "\n")
    }

    private static func eventIndex(_ json: String) -> Int? {
        guard let range = json.range(of: "\"event_id\":\"e") else { return nil }
        return Int(json[range.upperBound...].prefix { $0.isNumber })
    }

    /// Stops every replica still running; returns where their logs were kept.
    @discardableResult
    func stopAll() async throws -> [String] {
        let logs = replicas.map { keep($0.value.printed, name: $0.key) }
        for name in replicas.keys.sorted() { try await stop(name) }
        return logs
    }

    /// Saves a replica's whole output for a failure report; returns the file's path.
    private func keep(_ output: String, name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(name)-\(UUID().uuidString).log").path
        let saved = FileManager.default.createFile(atPath: path, contents: Data(output.utf8))
        return saved ? path : "(could not save \(path))"
    }

    /// The replicas' logs, for a failing expectation.
    var diagnostics: String {
        let running = replicas.sorted { $0.key < $1.key }.map { "== \($0.key) (running)\n" + $0.value.printed }
        return (finishedOutput + running).map { String($0.suffix(6_000)) }.joined(separator: "\n")
    }
}
