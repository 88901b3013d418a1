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
    private static func message(for error: KafkaError) -> String {
        """
        Error: \(error.message).
        Check that --brokers names the host:port of a running broker (bootstrap.servers in -X or --properties wins \
        over it) and that this host may connect to it.
        librdkafka: \(error.detail ?? error.message) [\(error.rdKafkaCode)]
        """
    }
}
