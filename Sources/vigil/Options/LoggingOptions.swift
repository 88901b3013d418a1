public import ArgumentParser
public import Logging

/// Where log lines go and how many: human-readable lines on standard error.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest level to log: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
