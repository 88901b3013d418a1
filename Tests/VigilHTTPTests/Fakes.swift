import Logging
import Prometheus
@testable import VigilHTTP

struct FakeHealth: HealthSource {
    var isAlive = true
    var notReadyReason: String?
}

struct FakeRuleAdmin: RuleAdmin {
    var ruleSet = RuleSetDescription(
        version: "sha256:abc",
        loadedAt: "2026-11-27T10:15:00Z",
        rules: [
            .init(
                id: "card-testing", description: "many small payments", severity: "high", mode: "active",
                expression: "count(card_id, 10m) > 5", cooldown: "10m", counts: .init(matched: 7, fired: 3, suppressed: 4)
            )
        ],
        reloads: .init(applied: 2, rejected: 1, lastError: "rules.yaml:3: unknown field"),
        backfillingPartitions: ["payments[3]"]
    )
    var reloadResult = RuleReloadResult(outcome: .applied, version: "sha256:def")

    func activeRuleSet() -> RuleSetDescription { ruleSet }
    func reloadRules() -> RuleReloadResult { reloadResult }
}

func makeServer(
    health: FakeHealth = FakeHealth(),
    admin: FakeRuleAdmin = FakeRuleAdmin(),
    token: String? = nil,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    port: Int = 0
) -> OpsServer {
    OpsServer(
        configuration: OpsServerConfiguration(host: "127.0.0.1", port: port, adminToken: token),
        health: health,
        admin: admin,
        metrics: registry,
        logger: Logger(label: "vigil.http.test")
    )
}
