import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VigilKafka
import VigilTesting

@Suite struct OpsSurfaceTests {
    @Test func runningReplicaServesHealthMetricsAndRuleAdministration() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        for topic in ["payments", "alerts", "alerts.shadow", "payments.dead-letter"] { try cluster.createTopic(topic, partitions: 1) }
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for index in 0..<20 {
            let value = index == 7 ? "not json" : TestEvent.json(id: "e\(index)", ts: Int64(index), amount: index == 3 ? "5000" : "5", ["card_id": "c-\(index)"])
            try producer.send(topic: "payments", key: nil, value: Array(value.utf8))
        }
        #expect(try producer.flush().isEmpty)
        let rules = try makeRulesDirectory(RunCommandTests.rules)
        let tokenFile = rules + "/../token-\(UUID().uuidString)"
        try "s3cret\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let vigil = try VigilProcess([
            "run", "--brokers", cluster.bootstrapServers, "--group", "ops", "--rules", rules, "--session-timeout-ms", "6000",
            "--http-port", String(port), "--http-host", "127.0.0.1", "--admin-token-file", tokenFile, "--log-format", "json",
            "--state-budget", "256MiB",
        ])
        let http = HTTP(port: port)

        try await waitFor { try await http.get("/readyz").status == 200 }
        #expect(try await http.get("/healthz").body == "ok")
        try await waitFor { try await http.get("/metrics").body.contains("vigil_events_consumed_total 20") }
        // A partition's lag is reported once its first commit has landed, a loop or two later.
        try await waitFor { try await http.get("/metrics").body.contains("vigil_consumer_lag_messages{") }
        let metrics = try await http.get("/metrics").body
        #expect(metrics.contains(#"vigil_alerts_total{rule="large-amount"} 1"#), "metrics:\n\(metrics)")
        #expect(metrics.contains(#"vigil_dead_letters_total{reason="invalid_json"} 1"#))
        // The reasons alerts watch are counted from zero, so that `increase` sees the first one.
        #expect(metrics.contains(#"vigil_dead_letters_total{reason="future_event"} 0"#), "metrics:\n\(metrics)")
        #expect(metrics.contains(#"vigil_partition_changes_total{change="assigned"} "#), "metrics:\n\(metrics)")
        // So are reloads and each rule's counters, before anything happened to them.
        #expect(metrics.contains(#"vigil_rule_reloads_total{result="rejected"} 0"#), "metrics:\n\(metrics)")
        #expect(metrics.contains(#"vigil_rule_unknown_total{rule="large-amount"} 0"#), "metrics:\n\(metrics)")
        #expect(metrics.contains(#"vigil_consumer_lag_messages{partition="0",topic="payments"} 0"#) || metrics.contains(#"vigil_consumer_lag_messages{topic="payments",partition="0"} 0"#), "metrics:\n\(metrics)")
        // Every metric says what it counts, as Prometheus' text format expects.
        func names(after marker: String) -> [String] {
            metrics.split(separator: "\n").filter { $0.hasPrefix(marker) }.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) }
        }
        let typed = names(after: "# TYPE ")
        let described = Set(names(after: "# HELP "))
        #expect(!typed.isEmpty && typed.allSatisfy(described.contains), "no help text: \(typed.filter { !described.contains($0) })")
        #expect(metrics.contains("\nvigil_backfilling_partitions 0.0\n"), "no backfill without a reload; metrics:\n\(metrics)")

        #expect(try await http.get("/rules").status == 401)
        let ruleSet = try await http.get("/rules", token: "s3cret")
        #expect(ruleSet.status == 200)
        #expect(ruleSet.body.contains(#""id":"large-amount""#))
        #expect(ruleSet.body.contains(#""backfilling_partitions":[]"#), "\(ruleSet.body)")

        // Dashboards compare the version replicas run: one info series, replaced when a reload applies.
        let started = try Self.version(in: ruleSet.body)
        #expect(metrics.contains(#"vigil_ruleset_info{version="\#(started)"} 1"#), "metrics:\n\(metrics)")
        #expect(metrics.contains("vigil_ruleset_loaded_timestamp_seconds "), "metrics:\n\(metrics)")
        // One info series per rule, whose labels let a query read alerts by severity.
        let ruleInfo = metrics.split(separator: "\n").filter { $0.hasPrefix("vigil_rule_info{") }
        #expect(ruleInfo.count == 1, "metrics:\n\(metrics)")
        #expect(ruleInfo.allSatisfy { ["rule=\"large-amount\"", "severity=\"high\"", "mode=\"active\""].allSatisfy($0.contains) }, "\(ruleInfo)")
        for folder in ["lists", "tables"] { try FileManager.default.createDirectory(atPath: rules + "/" + folder, withIntermediateDirectories: true) }
        try "XX\nYY\n".write(toFile: rules + "/lists/watched.txt", atomically: true, encoding: .utf8)
        try "EUR 100000\n* 50000.5\n".write(toFile: rules + "/tables/limit.txt", atomically: true, encoding: .utf8)
        try "ZZ\n".write(toFile: rules + "/lists/spare.txt", atomically: true, encoding: .utf8)
        try (RunCommandTests.rules + "\n  - {id: huge, description: d, severity: high, expression: 'amount > limit[currency] and country in watched'}\n")
            .write(toFile: rules + "/rules.yaml", atomically: true, encoding: .utf8)
        // The directory is also polled, so the reload may find the new set in force already.
        let reloaded = try Self.version(in: try await http.post("/rules/reload", token: "s3cret").body)
        #expect(reloaded != started)
        // The set in force names its lists and tables, and which rules read them.
        let inForce = try #require(try JSONSerialization.jsonObject(with: Data(try await http.get("/rules", token: "s3cret").body.utf8)) as? [String: Any])
        func summary(_ key: String, _ fields: [String]) -> [String] {
            (inForce[key] as? [[String: Any]] ?? []).map { entry in
                (fields.map { "\(entry[$0] ?? "-")" } + [(entry["used_by"] as? [String] ?? ["?"]).joined(separator: ",")]).joined(separator: " ")
            }
        }
        #expect(summary("lists", ["name", "entries"]) == ["spare 1 ", "watched 2 huge"], "\(inForce)")
        #expect(summary("tables", ["name", "rows", "default"]) == ["limit 1 50000.5 huge"], "\(inForce)")
        try await waitFor { try await http.get("/metrics").body.contains(#"vigil_ruleset_info{version="\#(reloaded)"} 1"#) }
        let afterReload = try await http.get("/metrics").body
        #expect(!afterReload.contains(started), "the replaced version's series is gone")
        #expect(afterReload.split(separator: "\n").filter { $0.hasPrefix("vigil_rule_info{") }.count == 2, "\(afterReload)")

        // A set the replica could not hold is refused like a broken one; the running set stays.
        try (RunCommandTests.rules + "\n  - {id: monthly, description: d, severity: high, expression: 'sum(amount, by: card_id, over: 30d) > 1'}\n")
            .write(toFile: rules + "/rules.yaml", atomically: true, encoding: .utf8)
        let overBudget = try await http.post("/rules/reload", token: "s3cret")
        #expect(overBudget.status == 422)
        #expect(overBudget.body.contains("exceeds the budget of 256.0 MiB"), "\(overBudget.body)")
        #expect(try Self.version(in: try await http.get("/rules", token: "s3cret").body) == reloaded)

        try "rules:\n  - {id: large-amount, description: d, severity: high, expression: amount >}\n"
            .write(toFile: rules + "/rules.yaml", atomically: true, encoding: .utf8)
        let rejected = try await http.post("/rules/reload", token: "s3cret")
        #expect(rejected.status == 422)
        #expect(rejected.body.contains("rules.yaml:2:"))

        vigil.signal(SIGTERM)
        #expect(try await vigil.waitForExit(timeout: .seconds(10)) == 0)
        let logs = vigil.printed
        #expect(logs.split(separator: "\n").allSatisfy { $0.hasPrefix("{") }, "every log line is JSON:\n\(logs)")
        // The signal itself is told at the default level, so that a stop in the log has its cause beside it.
        #expect(logs.split(separator: "\n").contains { $0.contains(#""level":"info""#) && $0.contains("SIGTERM received: stopping") }, "logs:\n\(logs)")
    }

    /// The rule-set version a `/rules` or `/rules/reload` answer names.
    private static func version(in json: String) throws -> String {
        struct Versioned: Decodable { let version: String }
        return try JSONDecoder().decode(Versioned.self, from: Data(json.utf8)).version
    }

    /// Two minutes at most: alone the replica meets each condition within seconds, but the whole
    /// suite runs dozens of brokers and replicas on two cores, and one run waited out a minute.
    private func waitFor(
        _ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not met within 120 s", sourceLocation: sourceLocation)
    }
}

/// Plain HTTP against the replica under test.
struct HTTP {
    let port: Int

    func get(_ path: String, token: String? = nil) async throws -> (status: Int, body: String) {
        try await send("GET", path, token: token)
    }

    func post(_ path: String, token: String? = nil) async throws -> (status: Int, body: String) {
        try await send("POST", path, token: token)
    }

    private func send(_ method: String, _ path: String, token: String?) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

/// A loopback port nothing listens on now: bound to port 0, read back, released.
func freeLoopbackPort() throws -> Int {
    let (socket, port) = try loopbackSocket(listening: false)
    close(socket)
    return port
}

/// A TCP socket bound to a free loopback port, listening when asked; the caller closes it.
func loopbackSocket(listening: Bool) throws -> (socket: Int32, port: Int) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socket, $0, length) == 0 && (!listening || listen(socket, 1) == 0) && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else {
        close(socket)
        throw LoopbackSocketError()
    }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
}

struct LoopbackSocketError: Error {}
