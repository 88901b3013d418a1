import Foundation
import Testing

/// The `vigil` executable built beside the tests, run as a child process with its output captured.
final class VigilProcess {
    let process = Process()
    private let output: URL
    /// Where standard error goes when it is kept apart from standard output; nil when they share `output`.
    private let errors: URL?

    /// - Parameter keepsErrorsApart: capture standard error on its own (``printedToStandardError``),
    ///   so that a test can tell what a pipe reading standard output would get (``printed``).
    init(_ arguments: [String], keepsErrorsApart: Bool = false) throws {
        // The test runner is built into the same products folder as the executable.
        let testRunner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.executableURL = testRunner.deletingLastPathComponent().appendingPathComponent("vigil")
        process.arguments = arguments
        output = try Self.makeCaptureFile()
        errors = keepsErrorsApart ? try Self.makeCaptureFile() : nil
        let outputHandle = try FileHandle(forWritingTo: output)
        process.standardOutput = outputHandle
        process.standardError = try errors.map(FileHandle.init(forWritingTo:)) ?? outputHandle
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        try process.run()
    }

    /// Everything the process printed so far; only its standard output when errors are kept apart.
    var printed: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// What the process printed on standard error so far, when errors are kept apart.
    var printedToStandardError: String { errors.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? "" }

    private static func makeCaptureFile() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        return file
    }

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
        for file in [output] + (errors.map { [$0] } ?? []) { try? FileManager.default.removeItem(at: file) }
    }
}

/// A temporary rules directory holding one file.
func makeRulesDirectory(_ yaml: String, name: String = "rules.yaml") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try yaml.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    return directory.path
}
