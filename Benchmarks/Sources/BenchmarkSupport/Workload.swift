import VigilRules
import VigilTraffic

/// The generated traffic every benchmark reads, built once per process.
///
/// A benchmark first feeds ``warmUpEvents`` so that the five-minute windows are full, then
/// measures ``iterations`` slices of ``eventsPerIteration`` events. The iteration count is fixed,
/// so every run measures the same events and allocation counts are deterministic.
package enum Workload {
    package static let warmUpEvents = 300_000
    package static let eventsPerIteration = 1_000
    package static let iterations = 500
    package static let measuredEvents = eventsPerIteration * iterations

    package static let configuration: BenchmarkTraffic.Configuration = {
        var configuration = BenchmarkTraffic.Configuration()
        configuration.eventCount = warmUpEvents + measuredEvents
        return configuration
    }()

    package static let batch = BenchmarkTraffic(configuration).makeBatch()

    /// Mean message size in bytes.
    package static var meanEventBytes: Int { batch.bytes.count / max(batch.count, 1) }
}

/// The rule sets the engine is measured with.
package enum RuleSet: String, CaseIterable, Sendable {
    /// Benchmarks/rules/reference: the rule set the throughput target is stated for.
    case reference
    /// The repository's rules/ directory, as shipped.
    case starter

    package var directory: String {
        let benchmarksRoot = Self.ancestor(of: #filePath, levels: 3)
        switch self {
        case .reference: return benchmarksRoot + "/rules/reference"
        case .starter: return Self.ancestor(of: benchmarksRoot, levels: 1) + "/rules"
        }
    }

    /// The compiled plan; a rule set that does not compile is a broken checkout, so it stops the run.
    package func plan() -> RulePlan {
        Self.plan(directory: directory)
    }

    /// The compiled plan of any rule directory, for measuring rules other than the two sets.
    package static func plan(directory: String) -> RulePlan {
        switch RuleCompiler.compile(directory: directory) {
        case .success(let plan): return plan
        case .failure(let diagnostics): fatalError("rules in \(directory) do not compile: \(diagnostics)")
        }
    }

    private static func ancestor(of path: String, levels: Int) -> String {
        var components = path.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(min(levels, components.count))
        return components.joined(separator: "/")
    }
}
