import Foundation
import Testing
import VigilKafka
import VigilTesting

/// A command that cannot reach Kafka stops within its 10s metadata wait, exits 69, says which
/// broker failed and why, names the flag to check, and keeps librdkafka's own text; librdkafka's
/// log lines, which that text quotes, do not come before it.
@Suite struct UnreachableBrokerTests {
    /// What each command needs besides `--brokers`.
    static let arguments: [String: [String]] = [
        "run": ["--http-port", "0"],
        "tail": [],
        "gen": ["--topic", "payments", "--count", "10"],
        "backtest": ["--topic", "payments"],
    ]

    @Test(arguments: ["run", "tail", "gen", "backtest"])
    func aRefusedConnectionIsExplainedWithTheFlagToCheck(command: String) async throws {
        // Port 1: nothing listens there, and unlike a port found free a moment ago, no test running
        // beside this one can bind it before the command connects.
        let broker = "127.0.0.1:1"
        var arguments = [command, "--brokers", broker] + (Self.arguments[command] ?? [])
        if command == "run" { arguments += ["--rules", try makeRulesDirectory(RunCommandTests.rules)] }
        let errors = try await Self.failure(arguments)
        #expect(Self.explanationLeads(errors), "standard error:\n\(errors)")
        #expect(errors.contains("Error: no Kafka broker answered at \(broker) (tried for "), "standard error:\n\(errors)")
        #expect(errors.contains("s): \(broker) refused the connection (nothing listens on that port).\n"), "standard error:\n\(errors)")
        #expect(errors.contains("\nCheck that --brokers names the host:port of a running broker"), "standard error:\n\(errors)")
        #expect(errors.contains("\nlibrdkafka: \(broker)/bootstrap: Connect to ipv4#\(broker) failed: Connection refused"), "standard error:\n\(errors)")
    }

    @Test func aHostNameThatDoesNotResolveIsSaidToBeUnknown() async throws {
        let errors = try await Self.failure(["tail", "--brokers", "kafka.invalid:9092"])
        #expect(errors.hasPrefix("Error: "), "standard error:\n\(errors)")
        #expect(errors.contains("(tried for "), "standard error:\n\(errors)")
        #expect(errors.contains("s): the host name kafka.invalid could not be resolved.\n"), "standard error:\n\(errors)")
        #expect(errors.contains("\nlibrdkafka: kafka.invalid:9092/bootstrap: Failed to resolve 'kafka.invalid:9092'"), "standard error:\n\(errors)")
    }

    /// TLS to a listener without it (the mock cluster's) fails the handshake: the settings to check are the TLS ones.
    @Test func aFailedTLSHandshakeNamesTheTLSSettings() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        let errors = try await Self.failure(["tail", "--brokers", cluster.bootstrapServers, "-X", "security.protocol=ssl"])
        #expect(errors.hasPrefix("Error: no Kafka broker answered at \(cluster.bootstrapServers) (tried for "), "standard error:\n\(errors)")
        #expect(errors.contains("s): the TLS handshake with \(cluster.bootstrapServers) failed (a listener without TLS, or a certificate not trusted).\n"))
        #expect(errors.contains("\nCheck the TLS settings (-X or --properties): security.protocol (SSL or SASL_SSL only for a TLS listener; "))
        #expect(!errors.contains("Check that --brokers"), "standard error:\n\(errors)")
        #expect(errors.contains("\nlibrdkafka: ssl://\(cluster.bootstrapServers)/bootstrap: SSL handshake failed: "), "standard error:\n\(errors)")
    }

    /// Standard error opens with the explanation; only `vigil run` logs before it, and none of
    /// its lines is librdkafka's (they carry `librdkafka=` and the facility).
    static func explanationLeads(_ errors: String) -> Bool {
        let lines = errors.split(separator: "\n")
        guard let explanation = lines.firstIndex(where: { $0.hasPrefix("Error: ") }) else { return false }
        return !lines[..<explanation].contains { $0.contains("librdkafka=") || $0.contains("[thrd:") }
            && (explanation == 0 || lines[0].contains(" info vigil: rules loaded "))
    }

    /// Runs a command that must fail to reach Kafka, at the default log level: it exits 69 in
    /// time, printing nothing on standard output.
    /// - Returns: what it printed on standard error.
    static func failure(_ arguments: [String]) async throws -> String {
        let vigil = try VigilProcess(arguments, keepsErrorsApart: true)
        let status = try await vigil.waitForExit(timeout: .seconds(40))
        #expect(status == 69, "exit status; standard error:\n\(vigil.printedToStandardError)")
        #expect(vigil.printed.isEmpty, "standard output:\n\(vigil.printed)")
        return vigil.printedToStandardError
    }
}
