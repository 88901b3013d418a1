import Logging
import SuiteReport
import VigilTraffic

/// The scenarios that need a process of their own, outside the engine micro-benchmarks.
///
/// Adding one (restore time, for instance) takes a case here, a runner returning a
/// `ScenarioReport`, and its name in `scripts/benchmark`'s `--suite` list; the report command,
/// the table and the run's JSON file pick it up unchanged.
enum Scenario: String, CaseIterable {
    /// Kafka on loopback: sustained rates against the Kafka-only ceilings, then produce-to-alert latency.
    case endToEnd = "end-to-end"
    /// Resident memory of an engine against active keys and retained window entries.
    case memory
    /// Time for a replica to rebuild window state from the partitions' history.
    case restore
    /// The engine alone over whole workloads of 1 and 10 million events.
    case engineWorkloads = "engine-workloads"

    func run(_ options: inout Options) async throws -> ScenarioReport {
        switch self {
        case .endToEnd: try await EndToEndScenario(options: &options).run()
        case .memory: try MemoryScenario(options: &options).run()
        case .restore: try await RestoreScenario(options: &options).run()
        case .engineWorkloads: try EngineWorkloadScenario(options: &options).run()
        }
    }
}

extension Logger {
    /// The scenarios' logger: notices and worse, so run summaries show and librdkafka's chatter does not.
    static var bench: Logger {
        var logger = Logger(label: "vigil.bench")
        logger.logLevel = .notice
        return logger
    }
}

extension BenchmarkTraffic.Configuration {
    /// The benchmark workload's configuration, with `count` events.
    static func events(_ count: Int) -> Self {
        var configuration = Self()
        configuration.eventCount = count
        return configuration
    }
}
