import Foundation
import Hummingbird
import Prometheus
import Testing
@testable import VigilHTTP

@Suite struct OpsServerTests {
    @Test(arguments: [(true, HTTPResponse.Status.ok, "ok"), (false, .serviceUnavailable, "processing loop is not polling")])
    func healthzFollowsTheProcessingLoop(alive: Bool, status: HTTPResponse.Status, body: String) async throws {
        let app = makeServer(health: FakeHealth(isAlive: alive, notReadyReason: "no partitions assigned"))
        try await app.test() { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == status)
                #expect(String(buffer: response.body) == body)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
            }
        }
    }

    @Test(arguments: [(String?.none, HTTPResponse.Status.ok, "ready"), ("no partitions assigned", .serviceUnavailable, "no partitions assigned")])
    func readyzReportsTheReasonWhenNotReady(reason: String?, status: HTTPResponse.Status, body: String) async throws {
        let app = makeServer(health: FakeHealth(notReadyReason: reason))
        try await app.test() { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == status)
                #expect(String(buffer: response.body) == body)
            }
        }
    }

    @Test func metricsRendersTheRegistryInPrometheusTextFormat() async throws {
        let registry = PrometheusCollectorRegistry()
        let events = MetricNameDescriptor(namespace: "vigil", metricName: "events", unitName: "total", helpText: "Events read.")
        registry.makeCounter(descriptor: events, labels: [("outcome", "evaluated")]).increment(by: Int64(42))
        let app = makeServer(registry: registry)
        try await app.test() { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.contains("# HELP vigil_events_total Events read.\n# TYPE vigil_events_total counter"))
                #expect(text.contains(#"vigil_events_total{outcome="evaluated"} 42"#))
            }
        }
    }

    /// Dashboards written for any service read these names; the values are the process's own.
    @Test func metricsReportTheProcessResourcesUnderTheStandardNames() async throws {
        let app = makeServer(registry: PrometheusCollectorRegistry())
        try await app.test() { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                func value(_ name: String) -> Double? {
                    text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
                }
                let resident = try #require(value("process_resident_memory_bytes"), "\(text)")
                #expect(resident > 1_000_000 && resident < 64_000_000_000)
                #expect(try #require(value("process_virtual_memory_bytes")) >= resident)
                #expect(try #require(value("process_open_fds")) >= 3, "stdin, stdout and stderr at least")
                #expect(try #require(value("process_max_fds")) >= 64)
                #expect(try #require(value("process_cpu_seconds_total")) > 0)
                let started = try #require(value("process_start_time_seconds"))
                let now = Date().timeIntervalSince1970
                #expect(started <= now + 1 && started > now - 24 * 3600, "started \(started), now \(now)")
                #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
            }
        }
    }

    #if os(Linux)
    /// The command name is in parentheses and may hold spaces and parentheses of its own.
    @Test func processStatFieldsAreCountedFromTheLastParenthesis() throws {
        let line = "4242 (vigil (worker) 1) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 130 0 0 20 0 9 0 123400 1048576000 51200 "
            + "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try #require(ProcessStat.parse(line, ticksPerSecond: 100, pageSize: 4096))
        #expect(stat.cpuSeconds == 3.8)
        #expect(stat.startSecondsAfterBoot == 1234)
        #expect(stat.virtualBytes == 1_048_576_000)
        #expect(stat.residentBytes == 51200 * 4096)
        #expect(ProcessStat.parse("4242 (vigil) S 1 2", ticksPerSecond: 100, pageSize: 4096) == nil, "a cut-off line is no reading")
    }
    #endif

    @Test func rulesListsTheActiveSetAsJSON() async throws {
        let admin = FakeRuleAdmin()
        let app = makeServer(admin: admin)
        try await app.test() { client in
            try await client.execute(uri: "/rules", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let decoded = try JSONDecoder().decode(RuleSetDescription.self, from: Data(String(buffer: response.body).utf8))
                #expect(decoded == admin.ruleSet)
                // snake_case keys, as in the alert contract.
                let body = String(buffer: response.body)
                for key in ["loaded_at", "last_error", "backfilling_partitions"] { #expect(body.contains("\"\(key)\":"), "\(body)") }
                #expect(!body.contains("loadedAt") && !body.contains("lastError"), "\(body)")
            }
        }
    }

    @Test(arguments: [
        (RuleReloadResult(outcome: .applied, version: "v2"), HTTPResponse.Status.ok),
        (RuleReloadResult(outcome: .unchanged, version: "v1"), .ok),
        (RuleReloadResult(outcome: .rejected, diagnostics: "rules/limits.yaml:4:7: error: unknown field 'amout'"), .unprocessableContent),
    ])
    func reloadAnswersWithTheOutcome(result: RuleReloadResult, status: HTTPResponse.Status) async throws {
        let app = makeServer(admin: FakeRuleAdmin(reloadResult: result))
        try await app.test() { client in
            try await client.execute(uri: "/rules/reload", method: .post) { response in
                #expect(response.status == status)
                let decoded = try JSONDecoder().decode(RuleReloadResult.self, from: Data(String(buffer: response.body).utf8))
                #expect(decoded == result)
                #expect(String(buffer: response.body).contains("\"outcome\":\"\(result.outcome.rawValue)\""))
            }
        }
    }

    @Test(arguments: [
        ("/rules", HTTPRequest.Method.get, String?.none, HTTPResponse.Status.unauthorized),
        ("/rules", .get, "Bearer wrong-token", .unauthorized),
        ("/rules", .get, "Bearer s3cret-tok", .unauthorized),
        ("/rules", .get, "Basic czNjcmV0LXRva2Vu", .unauthorized),
        ("/rules", .get, "Bearer ", .unauthorized),
        ("/rules", .get, "Bearer s3cret-token", .ok),
        ("/rules", .get, "bearer s3cret-token", .ok),
        ("/rules/reload", .post, nil, .unauthorized),
        ("/rules/reload", .post, "Bearer s3cret-token", .ok),
        ("/healthz", .get, nil, .ok),
        ("/readyz", .get, nil, .ok),
        ("/metrics", .get, nil, .ok),
    ])
    func adminEndpointsRequireTheConfiguredToken(path: String, method: HTTPRequest.Method, authorization: String?, status: HTTPResponse.Status)
        async throws
    {
        let app = makeServer(token: "s3cret-token")
        var headers = HTTPFields()
        if let authorization { headers[.authorization] = authorization }
        try await app.test() { [headers] client in
            try await client.execute(uri: path, method: method, headers: headers) { response in
                #expect(response.status == status)
                if status == .unauthorized { #expect(response.headers[.wwwAuthenticate] == "Bearer") }
            }
        }
    }

    @Test func adminEndpointsAreOpenWithoutAToken() async throws {
        let app = makeServer(token: nil)
        try await app.test() { client in
            try await client.execute(uri: "/rules", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func anEmptyTokenLocksTheAdminEndpoints() async throws {
        let app = makeServer(token: "")
        try await app.test() { client in
            try await client.execute(uri: "/rules", method: .get, headers: [.authorization: "Bearer "]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test(arguments: [
        ("/nowhere", HTTPRequest.Method.get, HTTPResponse.Status.notFound, String?.none),
        ("/rules/reload", .get, .methodNotAllowed, "POST"),
        ("/healthz", .post, .methodNotAllowed, "GET, HEAD"),
        ("/rules", .delete, .methodNotAllowed, "GET, HEAD"),
        ("/healthz", .head, .ok, nil),
    ])
    func unknownPathsAndMethodsAreRefused(path: String, method: HTTPRequest.Method, status: HTTPResponse.Status, allow: String?) async throws {
        let app = makeServer()
        try await app.test() { client in
            try await client.execute(uri: path, method: method) { response in
                #expect(response.status == status)
                #expect(response.headers[.allow] == allow)
            }
        }
    }

    @Test func liveServerAnswersOnAnEphemeralPort() async throws {
        let app = makeServer(health: FakeHealth(notReadyReason: "rebalancing"))
        try await app.test() { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "rebalancing")
            }
        }
    }
}
