public import ArgumentParser
public import Logging
import VigilLogging

/// Where log lines go and how many: standard error, readable or JSON, card numbers always masked.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest level to log: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "text (readable lines) or json (one JSON object per line).")
    var logFormat: VigilLogHandler.Format = .text

    func makeLogger(label: String) -> Logger {
        let (format, level) = (logFormat, logLevel)
        return Logger(label: label) { VigilLogHandler(label: $0, format: format, level: level) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension VigilLogHandler.Format: ExpressibleByArgument {}
