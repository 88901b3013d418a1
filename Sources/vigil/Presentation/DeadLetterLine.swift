import Foundation
import VigilKafka
import VigilLogging
import VigilValues

/// One dead letter as an operator reads it: when it was set aside, why, where it was read, and
/// its payload. Card numbers are masked in the payload and the detail alike: the dead-letter
/// topic holds raw payloads, and what this prints ends up in terminals and tickets.
struct DeadLetterLine {
    static let header = ["DEAD-LETTERED AT".padding(24), "REASON".padding(26), "SOURCE".padding(24), "DETAIL"].joined(separator: " ")
    /// Payload characters shown under a row; the JSON line holds the whole payload.
    static let payloadPreview = 160

    /// When the message was dead-lettered (its timestamp), in epoch milliseconds.
    let time: Int64?
    let reason: String
    let detail: String
    let sourceTopic: String?
    let sourcePartition: Int32?
    let sourceOffset: Int64?
    /// The payload as text, invalid UTF-8 replaced, card numbers masked.
    let payload: String
    let payloadBytes: Int

    init(message: KafkaMessage) {
        func header(_ name: String) -> String? { message.header(name).map { String(decoding: $0, as: UTF8.self) } }
        time = message.timestampMilliseconds
        reason = header("vigil.reason") ?? "unknown"
        detail = CardNumberMask.masked(header("vigil.detail") ?? "")
        sourceTopic = header("vigil.source.topic")
        sourcePartition = header("vigil.source.partition").flatMap { Int32($0) }
        sourceOffset = header("vigil.source.offset").flatMap { Int64($0) }
        payload = CardNumberMask.masked(String(decoding: message.value, as: UTF8.self))
        payloadBytes = message.value.count
    }

    /// `payments[3]@1042`: the topic, partition and offset the message was read at.
    var source: String {
        "\(sourceTopic ?? "?")[\(sourcePartition.map(String.init) ?? "?")]@\(sourceOffset.map(String.init) ?? "?")"
    }

    /// The row, and under it the payload's first characters, with whatever could steer the
    /// terminal written out (see ``Swift/String/terminalSafe``).
    var rendered: String {
        let when = time.map { RFC3339.format(milliseconds: $0) } ?? "?"
        let cut = payload.count > Self.payloadPreview ? payload.prefix(Self.payloadPreview) + "…" : payload
        let preview = cut.terminalSafe + (payload.count > Self.payloadPreview ? " (\(payloadBytes) bytes)" : "")
        let row = [when.padding(24), Style.yellow(reason.terminalSafe.padding(26)), source.terminalSafe.padding(24), detail.terminalSafe]
        return row.joined(separator: " ") + "\n" + Style.dim("  " + (preview.isEmpty ? "(empty payload)" : preview))
    }

    /// One JSON object with sorted keys: the headers' contents and the whole payload, masked.
    var json: String {
        var object: [String: Any] = ["reason": reason, "detail": detail, "payload": payload, "payload_bytes": payloadBytes]
        if let time { object["dead_lettered_at"] = RFC3339.format(milliseconds: time) }
        var source: [String: Any] = [:]
        if let sourceTopic { source["topic"] = sourceTopic }
        if let sourcePartition { source["partition"] = sourcePartition }
        if let sourceOffset { source["offset"] = sourceOffset }
        object["source"] = source
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self).jsonTerminalSafe
    }
}
