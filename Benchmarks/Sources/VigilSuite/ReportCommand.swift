import SuiteReport

/// Merges scenario parts and the machine description into one run file, and prints the table.
struct ReportCommand {
    private let machinePath: String
    private let outputPath: String
    private let parts: [String]

    init(arguments: [String]) throws {
        var machine: String?
        var output: String?
        var parts: [String] = []
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--machine": machine = remaining.popFirst()
            case "--output": output = remaining.popFirst()
            default: parts.append(argument)
            }
        }
        guard let machine, let output else {
            throw Options.Invalid(description: "report needs --machine FILE --output FILE and the scenario parts")
        }
        self.machinePath = machine
        self.outputPath = output
        self.parts = parts
    }

    /// - Returns: whether any scenario reported a failure.
    func run() throws -> Bool {
        let machine = try SuiteFiles.read(Machine.self, from: machinePath)
        let reports = try parts.map { try SuiteFiles.read(ScenarioReport.self, from: $0) }
        try SuiteFiles.write(SuiteRun(machine: machine, scenarios: reports), to: outputPath)
        print("Vigil end-to-end and memory benchmarks — commit \(machine.commit), librdkafka \(machine.librdkafka)")
        print("\(machine.cpu), \(machine.cores) cores, \(machine.memory), \(machine.kernel); \(machine.swift)")
        print(ReportTable.render(reports))
        print("JSON: \(outputPath)")
        return reports.contains { !$0.failures.isEmpty }
    }
}
