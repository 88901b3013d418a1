package import VigilEngine
import VigilRules

/// Pipes events into an engine and returns what came out, with no Kafka in between
/// (the idea of Kafka Streams' TopologyTestDriver).
package final class EngineTestDriver {
    package let engine: Engine
    private var nextOffset: Int64 = 0

    /// Compiles rules given as YAML text (one file), lists and tables (each as its file's text), or
    /// throws their rendered diagnostics.
    package init(
        rules yaml: String, lists: [String: [String]] = [:], tables: [String: String] = [:],
        options: EngineOptions = EngineOptions()
    ) throws {
        switch RuleCompiler.compile(sources: [RuleSource(path: "test.yaml", text: yaml)], lists: lists, tables: tables) {
        case .success(let plan): engine = Engine(plan: plan, options: options)
        case .failure(let diagnostics): throw DriverError.rulesRejected(diagnostics.rendered)
        }
    }

    package enum DriverError: Error {
        case rulesRejected(String)
    }

    /// Sends one message as if read from `partition`; its source offset counts up from 0.
    @discardableResult
    package func send(_ message: String, now: Int64 = 0, partition: Int32 = 0) -> EngineOutcome {
        defer { nextOffset += 1 }
        let source = EventSource(topic: "payments", partition: partition, offset: nextOffset)
        var bytes = Array(message.utf8)
        return bytes.withUnsafeMutableBytes { engine.process(UnsafeRawBufferPointer($0), source: source, now: now) }
    }

    /// Backfills messages as if read again from `partition` from offset 0, each stamped
    /// `messageTime`; returns whether each counted.
    @discardableResult
    package func backfill(_ messages: [String], partition: Int32 = 0, messageTime: Int64? = nil) -> [Bool] {
        messages.enumerated().map { offset, message in
            let source = EventSource(topic: "payments", partition: partition, offset: Int64(offset))
            return Array(message.utf8).withUnsafeBytes { engine.backfill($0, from: source, messageTime: messageTime) }
        }
    }

    /// Sends one message and returns its alerts (none for a rejected or late message).
    package func alerts(_ message: String, partition: Int32 = 0) -> [Alert] {
        if case .evaluated(let alerts) = send(message, partition: partition) { return alerts }
        return []
    }
}

/// Builds event JSON for tests: `TestEvent.json(id: "e1", ts: 1000, amount: "12.50", ["card_id": "c-1"])`.
package enum TestEvent {
    package static func json(id: String, ts: Int64, amount: String, _ fields: [String: String] = [:]) -> String {
        let extra = fields.sorted { $0.key < $1.key }.map { ",\"\($0.key)\":\"\($0.value)\"" }.joined()
        return "{\"event_id\":\"\(id)\",\"ts\":\(ts),\"amount\":\(amount)\(extra)}"
    }
}
