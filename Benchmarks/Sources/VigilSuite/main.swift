import Glibc
import SuiteReport

/// Usage:
///   VigilSuite end-to-end|memory --output PART.json [scenario options]
///   VigilSuite report --machine machine.json --output RUN.json PART.json…
/// A scenario prints its table and writes its part; `report` merges the parts with the machine
/// into the run's one JSON file, prints the combined table and exits 1 when anything failed.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "report":
        let failed = try ReportCommand(arguments: Array(arguments.dropFirst())).run()
        exit(failed ? 1 : 0)
    case let name?:
        guard let scenario = Scenario(rawValue: name) else {
            throw Options.Invalid(description: "unknown scenario \(name): \(Scenario.allCases.map(\.rawValue))")
        }
        var options = try Options(Array(arguments.dropFirst()))
        let output = options.string("output", default: "\(name).json")
        let report = try await scenario.run(&options)
        print(ReportTable.render([report]))
        try SuiteFiles.write(report, to: output)
    case nil:
        throw Options.Invalid(description: "usage: VigilSuite \(Scenario.allCases.map(\.rawValue).joined(separator: "|"))|report …")
    }
} catch {
    var message = "VigilSuite: \(error)\n"
    message.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(2)
}
