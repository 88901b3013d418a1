import VigilHTTP
import VigilKafka
import VigilPipeline
import VigilRules
import VigilValues

/// The HTTP surface's view of a pipeline's health.
struct PipelineHealth: HealthSource {
    let pipeline: Pipeline

    var isAlive: Bool { pipeline.status.snapshot.isAlive(now: .now) }
    var notReadyReason: String? { pipeline.status.snapshot.notReadyReason }
}

/// `GET /rules` and `POST /rules/reload` over the pipeline and its rule reloader.
struct PipelineRuleAdmin: RuleAdmin {
    let pipeline: Pipeline
    let reloader: RuleReloader

    func activeRuleSet() -> RuleSetDescription {
        let plan = pipeline.activePlan
        let snapshot = pipeline.status.snapshot
        let rules = plan.rules.map { rule in
            let fired = (snapshot.alertsByRule[rule.id] ?? 0) + (snapshot.shadowAlertsByRule[rule.id] ?? 0)
            let suppressed = snapshot.suppressedByRule[rule.id] ?? 0
            return RuleSetDescription.Rule(
                id: rule.id, description: rule.description, severity: rule.severity.rawValue, mode: rule.mode.rawValue,
                expression: rule.expressionText, cooldown: rule.cooldownMilliseconds.map { ReadableDuration.text(milliseconds: $0) },
                counts: .init(matched: fired + suppressed, fired: fired, suppressed: suppressed, unknown: snapshot.unknownByRule[rule.id] ?? 0)
            )
        }
        func readers(_ reads: (CompiledRule) -> [String], _ name: String) -> [String] {
            plan.rules.filter { reads($0).contains(name) }.map(\.id)
        }
        return RuleSetDescription(
            version: plan.version,
            loadedAt: snapshot.rulesetLoadedAt.map { RFC3339.format(milliseconds: $0) },
            rules: rules,
            lists: plan.lists.keys.sorted().map { name in
                .init(name: name, entries: plan.lists[name]?.count ?? 0, usedBy: readers(\.lists, name))
            },
            tables: plan.tables.values.sorted { $0.name < $1.name }.map { table in
                .init(name: table.name, rows: table.rows.count, defaultValue: table.defaultValue?.description, usedBy: readers(\.tables, table.name))
            },
            reloads: .init(applied: snapshot.reloadsApplied, rejected: snapshot.reloadsRejected, lastError: snapshot.lastReloadError),
            backfillingPartitions: snapshot.backfilling.sorted().map(\.description)
        )
    }

    func reloadRules() -> RuleReloadResult {
        switch reloader.reload(force: true) {
        case .applied(let version): RuleReloadResult(outcome: .applied, version: version)
        case .unchanged(let version): RuleReloadResult(outcome: .unchanged, version: version)
        case .rejected(let diagnostics): RuleReloadResult(outcome: .rejected, diagnostics: diagnostics.rendered)
        }
    }
}
