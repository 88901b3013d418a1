import Foundation
import Glibc
import Testing
import VigilKafka
import VigilTesting

/// `vigil dead-letters` shows why each message was set aside and where it was read, with card
/// numbers masked, and counts them by reason.
@Suite struct DeadLettersCommandTests {
    /// Three dead letters as the pipeline writes them (headers and the raw payload), one carrying
    /// a card number in its payload, spread over two partitions.
    static let letters: [(reason: String, detail: String, offset: Int, payload: String)] = [
            ("invalid_json", "expected a value at offset 11, found '}'", 4, #"{"amount": }"#),
            ("future_event", "event time 2028-01-15T08:00:00.000Z is 365d after its message's timestamp", 9,
             #"{"event_id":"e-9","ts":1831622400000,"amount":10,"pan":"4111 1111 1111 1111"}"#),
            ("invalid_json", "unterminated string starting at offset 1", 12, #"{"event_id"#),
        ]

    static func deadLetters(on cluster: MockCluster) throws {
        try cluster.createTopic("payments.dead-letter", partitions: 2)
        try send(letters, on: cluster)
    }

    /// Writes `letters` as the pipeline does; the nth goes to partition n % 2 and names it as its source.
    static func send(_ letters: [(reason: String, detail: String, offset: Int, payload: String)], on cluster: MockCluster) throws {
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for (index, letter) in letters.enumerated() {
            let headers: [(name: StaticString, value: [UInt8])] = [
                ("vigil.reason", letter.reason), ("vigil.detail", letter.detail), ("vigil.source.topic", "payments"),
                ("vigil.source.partition", "\(index % 2)"), ("vigil.source.offset", "\(letter.offset)"),
            ].map { (name: $0.0, value: Array($0.1.utf8)) }
            try producer.send(topic: "payments.dead-letter", partition: Int32(index % 2), key: nil, value: Array(letter.payload.utf8), headers: headers)
            usleep(2_000)
        }
        #expect(try producer.flush().isEmpty)
    }

    @Test func rowsSayWhyAndWhereWithCardNumbersMasked() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try Self.deadLetters(on: cluster)
        let vigil = try VigilProcess(["dead-letters", "--brokers", cluster.bootstrapServers])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
        let output = vigil.printed
        #expect(output.contains("DEAD-LETTERED AT"), "output:\n\(output)")
        #expect(output.contains(/future_event\s+payments\[1\]@9\s+event time 2028-01-15T08:00:00.000Z is 365d after/), "output:\n\(output)")
        #expect(output.contains(/invalid_json\s+payments\[0\]@4\s+expected a value at offset 11/), "output:\n\(output)")
        #expect(output.contains(#""pan":"411111******1111""#), "output:\n\(output)")
        #expect(!output.contains("4111 1111 1111 1111"), "the card number is masked; output:\n\(output)")
        #expect(output.contains("vigil dead-letters: 3 on payments.dead-letter since the beginning: invalid_json 2, future_event 1"), "output:\n\(output)")
    }

    /// A payload or detail that carries terminal escapes is shown with them written out: reading
    /// dead letters must not let a producer set the window title or clear the screen.
    @Test func controlCharactersInAPayloadAreWrittenOut() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments.dead-letter", partitions: 2)
        try Self.send([("x\u{1B}]0;owned\u{07}", "bad \u{1B}[31mred", 3, "not json \u{1B}]0;owned\u{07}\u{1B}[2J\nend")], on: cluster)
        let vigil = try VigilProcess(["dead-letters", "--brokers", cluster.bootstrapServers])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
        let output = vigil.printed
        #expect(!output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" }, "output:\n\(output)")
        #expect(output.contains(#"not json \x1B]0;owned\x07\x1B[2J\x0Aend"#), "output:\n\(output)")
        #expect(output.contains(#"bad \x1B[31mred"#), "output:\n\(output)")
        #expect(output.contains(#"since the beginning: x\x1B]0;owned\x07 1"#), "the summary too; output:\n\(output)")
    }

    @Test func aReasonFilterAndJSONLines() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try Self.deadLetters(on: cluster)
        let vigil = try VigilProcess(["dead-letters", "--brokers", cluster.bootstrapServers, "--reason", "future_event", "--json"])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
        let lines = vigil.printed.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 1, "output:\n\(vigil.printed)")
        let object = try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any] ?? [:]
        #expect(object["reason"] as? String == "future_event")
        #expect((object["source"] as? [String: Any])?["offset"] as? Int == 9)
        #expect(object["payload_bytes"] as? Int == Self.letters[1].payload.utf8.count)
        #expect((object["payload"] as? String)?.contains("4111 1111 1111 1111") == false, "masked: \(object)")
        #expect(vigil.printed.contains("vigil dead-letters: 1 on payments.dead-letter since the beginning: future_event 1"), "output:\n\(vigil.printed)")
    }

    /// With `--follow`, a dead letter written after the command started is shown too, and Ctrl-C
    /// ends it with the count of everything shown.
    @Test func followShowsDeadLettersAsTheyArriveUntilInterrupted() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try Self.deadLetters(on: cluster)
        let vigil = try VigilProcess(["dead-letters", "--brokers", cluster.bootstrapServers, "--follow", "--reason", "future_event"])
        try await TailCommandTests.waitUntil(vigil) { $0.contains("payments[1]@9") }
        try Self.send([("future_event", "event time 2028-02-01T00:00:00.000Z is 60d after", 21, #"{"event_id":"e-21"}"#)], on: cluster)
        try await TailCommandTests.waitUntil(vigil) { $0.contains("payments[0]@21") }
        vigil.signal(SIGINT)
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 0, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("vigil dead-letters: 2 on payments.dead-letter since the beginning: future_event 2"), "output:\n\(vigil.printed)")
    }
}
