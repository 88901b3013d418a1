import Foundation
import Testing

/// The `vigil` executable built beside the tests, run as a child process with its output captured.
final class VigilProcess {
    let process = Process()
    private let output: URL

    init(_ arguments: [String]) throws {
        // The test runner is built into the same products folder as the executable.
        let testRunner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.executableURL = testRunner.deletingLastPathComponent().appendingPathComponent("vigil")
        process.arguments = arguments
        output = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        try process.run()
    }

    /// Everything the process printed so far.
    var printed: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit; nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: output)
    }
}

/// A temporary rules directory holding one file.
func makeRulesDirectory(_ yaml: String, name: String = "rules.yaml") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try yaml.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    return directory.path
}
