import Foundation

/// The machine a run measured on, as `scripts/benchmark` records it in `machine.json`.
package struct Machine: Codable, Sendable {
    package let commit: String
    package let librdkafka: String
    package let cpu: String
    package let cores: Int
    package let memory: String
    package let kernel: String
    package let swift: String
    package let date: String
}

/// One run of the suite: the machine, and every scenario's report. One file per run, so runs compare.
package struct SuiteRun: Codable, Sendable {
    package let machine: Machine
    package let scenarios: [ScenarioReport]

    package init(machine: Machine, scenarios: [ScenarioReport]) {
        self.machine = machine
        self.scenarios = scenarios
    }
}

/// Reads and writes the suite's JSON files.
package enum SuiteFiles {
    package static func read<Value: Decodable>(_ type: Value.Type, from path: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    package static func write(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
