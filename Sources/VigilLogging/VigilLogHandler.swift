package import Logging

/// Vigil's log handler: one line per event on standard error, readable text or JSON, with card numbers masked.
///
/// Masking happens here, at the single exit of every log line (including librdkafka's forwarded
/// lines), rather than at call sites, so that no code path can forget it.
package struct VigilLogHandler: LogHandler {
    package enum Format: String, Sendable, CaseIterable {
        /// `2026-11-27T10:15:00.123Z info vigil: message key=value`
        case text
        /// `{"ts":…,"level":…,"label":…,"message":…,"metadata":{…}}`, for log collectors.
        case json
    }

    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let sink: LogSink

    package init(label: String, format: Format = .text, level: Logger.Level = .info) {
        self.init(label: label, format: format, level: level, sink: .standardError)
    }

    init(label: String, format: Format, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    /// Makes every `Logger` of the process use this handler; call once, first thing in `main`.
    package static func bootstrap(format: Format, level: Logger.Level) {
        LoggingSystem.bootstrap { label in VigilLogHandler(label: label, format: format, level: level) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let line = LogLine(
            timestamp: .now(),
            level: event.level,
            label: label,
            message: event.message.description,
            metadata: mergedMetadata(event)
        )
        sink.writeLine(format == .json ? line.json : line.text)
    }

    /// Handler metadata, then the provider's, then the call's: later sources win on equal keys.
    private func mergedMetadata(_ event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        return merged
    }
}
