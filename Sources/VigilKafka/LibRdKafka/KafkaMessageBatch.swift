import CRdKafka

/// Messages from one `KafkaConsumer.poll`, owned until the batch is released.
///
/// The payloads stay in librdkafka's fetch buffers (no copy); a `KafkaMessage` is a view that is
/// valid only while its batch is alive.
package final class KafkaMessageBatch {
    private let messages: [UnsafeMutablePointer<rd_kafka_message_t>]
    /// Assignment changes that happened during the poll, in order.
    package let rebalances: [RebalanceEvent]
    /// The topic name of the message read last, by librdkafka's topic handle: a batch holds runs
    /// of one topic, and naming each message afresh would copy the C string every time.
    private var lastTopic: (handle: OpaquePointer, name: String)?

    init(messages: [UnsafeMutablePointer<rd_kafka_message_t>], rebalances: [RebalanceEvent]) {
        self.messages = messages
        self.rebalances = rebalances
    }

    deinit {
        for message in messages { rd_kafka_message_destroy(message) }
    }

    package var count: Int { messages.count }
    package var isEmpty: Bool { messages.isEmpty }

    package subscript(index: Int) -> KafkaMessage {
        let raw = messages[index]
        return KafkaMessage(raw: raw, topic: topicName(of: raw.pointee.rkt))
    }

    private func topicName(of handle: OpaquePointer?) -> String {
        guard let handle else { return "" }
        if let lastTopic, lastTopic.handle == handle { return lastTopic.name }
        let name = String(cString: rd_kafka_topic_name(handle))
        lastTopic = (handle, name)
        return name
    }
}

/// A consumed message: a view into its batch.
package struct KafkaMessage {
    fileprivate let raw: UnsafeMutablePointer<rd_kafka_message_t>
    package let topic: String

    package var partition: Int32 { raw.pointee.partition }
    package var offset: Int64 { raw.pointee.offset }
    package var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    package var value: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: raw.pointee.payload, count: raw.pointee.len)
    }

    package var key: UnsafeRawBufferPointer? {
        guard let key = raw.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: key, count: raw.pointee.key_len)
    }

    /// The message's timestamp in epoch milliseconds, if the broker or producer set one.
    package var timestampMilliseconds: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
    }

    /// Header values by name (the last one when a name repeats).
    package func header(_ name: String) -> [UInt8]? {
        name.withCString { name in withHeader(cName: name) { $0.map(Array.init) } }
    }

    /// Lends a header's value (the last one when a name repeats) without copying it; nil when absent.
    ///
    /// The name is a constant: passing a `String` to librdkafka copies it into a new C string on
    /// every call, and repartition messages are asked for three headers each.
    package func withHeader<Result>(_ name: StaticString, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        name.utf8Start.withMemoryRebound(to: CChar.self, capacity: name.utf8CodeUnitCount + 1) { withHeader(cName: $0, body) }
    }

    private func withHeader<Result>(cName: UnsafePointer<CChar>, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(raw, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return body(nil) }
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_last(headers, cName, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { return body(nil) }
        return body(UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : size))
    }
}
