import ArgumentParser
import VigilKafka

/// What a command says when no Kafka broker answered, and the exit code it stops with.
enum UnreachableBrokers {
    /// `EX_UNAVAILABLE` of sysexits.h, a service the command needs is not there: apart from 1, so
    /// that a script or a supervisor can tell an unreachable Kafka from other failures.
    static let exitCode = ExitCode(69)

    /// Says why no broker answered, and returns the exit code to throw.
    static func exit(explaining error: KafkaError) -> ExitCode {
        printToStandardError(message(for: error))
        return exitCode
    }

    /// What went wrong in plain words, what to check, then librdkafka's own text.
    static func message(for error: KafkaError) -> String {
        var checks: [String] = []
        for failure in error.brokerFailures.isEmpty ? [nil] : error.brokerFailures.map(\.cause) {
            let check = self.check(for: failure)
            if !checks.contains(check) { checks.append(check) }
        }
        return (["Error: \(error.message)."] + checks + ["librdkafka: \(error.detail ?? error.message) [\(error.rdKafkaCode)]"])
            .joined(separator: "\n")
    }

    /// The settings to look at for one cause (nil when no broker logged a failure).
    private static func check(for cause: BrokerConnectionFailure.Cause?) -> String {
        switch cause {
        case .tlsHandshake:
            "Check the TLS settings (-X or --properties): security.protocol (SSL or SASL_SSL only for a TLS listener; "
                + "PLAINTEXT or SASL_PLAINTEXT otherwise) and ssl.ca.location (the CA that signed the broker's certificate); "
                + "for a client certificate, ssl.certificate.location and ssl.key.location."
        case .authentication:
            "Check the SASL settings (-X or --properties): sasl.mechanisms (one that the broker's listener enables: PLAIN, "
                + "SCRAM-SHA-256 or SCRAM-SHA-512), sasl.username and sasl.password, and security.protocol (SASL_SSL or SASL_PLAINTEXT)."
        case .refused, .unresolved, .timedOut, .notKafka, .other, nil:
            "Check that --brokers names the host:port of a running broker (bootstrap.servers in -X or --properties wins "
                + "over it) and that this host may connect to it."
        }
    }
}
