import Foundation
import Logging
import Synchronization
import Testing
@testable import VigilLogging

@Suite struct VigilLogHandlerTests {
    @Test func textLineHasTimestampLevelLabelMessageAndSortedMetadata() throws {
        let capture = Capture()
        capture.logger(.text).warning("card declined", metadata: ["zone": "eu", "attempt": "2"])
        let line = try #require(capture.lines.first)
        let timestamp = String(line.prefix(24))
        #expect(timestamp.hasSuffix("Z") && timestamp.dropFirst(10).first == "T")
        #expect(line.dropFirst(24) == " warning vigil.test: card declined attempt=2 zone=eu")
    }

    @Test func textValuesThatWouldBeAmbiguousAreQuoted() throws {
        let capture = Capture()
        capture.logger(.text).info("x", metadata: ["reason": "bad input", "empty": ""])
        let line = try #require(capture.lines.first)
        #expect(line.hasSuffix(#"x empty="" reason="bad input""#))
    }

    @Test func jsonLineParsesBackWithEveryField() throws {
        let capture = Capture()
        capture.logger(.json).error(
            "quote \" backslash \\ newline \n tab \t bell \u{7} done",
            metadata: ["rule": "velocity", "tags": ["a", "b"], "nested": ["k": "v"]]
        )
        let line = try #require(capture.lines.first)
        let object = try Self.parse(line)
        #expect(object["level"] as? String == "error")
        #expect(object["label"] as? String == "vigil.test")
        #expect(object["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7} done")
        #expect((object["ts"] as? String)?.count == 24)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["rule"] as? String == "velocity")
        #expect(metadata["tags"] as? [String] == ["a", "b"])
        #expect(metadata["nested"] as? [String: String] == ["k": "v"])
    }

    @Test(arguments: VigilLogHandler.Format.allCases)
    func cardNumbersAreMaskedInMessagesAndMetadata(format: VigilLogHandler.Format) throws {
        let capture = Capture()
        capture.logger(format).info(
            "payload {\"card_id\":\"4111 1111 1111 1111\"}", metadata: ["card": "5555555555554444", "order": "1798761600000"]
        )
        let line = try #require(capture.lines.first)
        #expect(!line.contains("4111 1111 1111 1111") && !line.contains("5555555555554444"))
        #expect(line.contains("411111******1111") && line.contains("555555******4444"))
        #expect(line.contains("1798761600000"))
        if format == .json { _ = try Self.parse(line) }
    }

    @Test func callMetadataOverridesHandlerMetadata() throws {
        let capture = Capture()
        var logger = capture.logger(.json)
        logger[metadataKey: "replica"] = "a"
        logger[metadataKey: "rule"] = "old"
        logger.info("m", metadata: ["rule": "new"])
        let line = try #require(capture.lines.first)
        let metadata = try #require(try Self.parse(line)["metadata"] as? [String: String])
        #expect(metadata == ["replica": "a", "rule": "new"])
    }

    @Test func levelBelowThresholdIsNotWritten() {
        let capture = Capture()
        let logger = capture.logger(.text)
        logger.debug("hidden")
        logger.info("shown")
        #expect(capture.lines.count == 1)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_798_761_600_123), "2027-01-01T00:00:00.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(1_795_774_500_123), "2026-11-27T10:15:00.123Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func timestampsRenderAsUTCWithMilliseconds(milliseconds: Int64, expected: String) {
        #expect(LogTimestamp(millisecondsSinceEpoch: milliseconds).rendered == expected)
    }

    private static func parse(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

/// Collects the lines a handler writes, instead of standard error.
private final class Capture: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    func logger(_ format: VigilLogHandler.Format) -> Logger {
        let sink = LogSink { line in self.storage.withLock { $0.append(line) } }
        return Logger(label: "vigil.test") { label in VigilLogHandler(label: label, format: format, level: .info, sink: sink) }
    }
}
