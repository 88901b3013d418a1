import CRdKafka
package import Logging
import Synchronization

/// A Kafka producer whose sends are confirmed in bulk by `flush`.
///
/// Vigil's delivery guarantee rests on one rule: an input offset is committed only after every
/// message it caused is acknowledged. `send` queues; `flush` waits until the queue is empty and
/// returns the sends that failed since the previous flush. Not thread-safe: one owner calls it.
package final class KafkaProducer {
    let client: RdKafkaClient

    package init(configuration: ProducerConfiguration, logger: Logger) throws(KafkaError) {
        client = try RdKafkaClient(.producer, properties: configuration.librdkafkaProperties(), logger: logger)
    }

    /// Fetches the topics' metadata now, so the first sends do not stall.
    /// - Returns: each topic's partition count; a topic the broker does not know is left out.
    /// - Throws: `.brokersUnreachable` when no broker answered within `timeout`.
    @discardableResult
    package func prepare(topics: [String], timeout: Duration = .seconds(10)) throws(KafkaError) -> [String: Int32] {
        try client.warmUpMetadata(topics: topics, timeoutMilliseconds: timeout.milliseconds)
    }

    /// The partition a send keyed by `key` would go to (librdkafka's default partitioner: CRC-32
    /// of the key modulo the partition count), for callers that write to explicit partitions
    /// and must place every key where a keyed send puts it.
    package static func partition(ofKey key: UnsafeRawBufferPointer, partitionCount: Int32) -> Int32 {
        rd_kafka_msg_partitioner_consistent(nil, key.baseAddress, key.count, partitionCount, nil, nil)
    }

    /// Queues one message; the broker picks the partition from the key's hash (librdkafka's
    /// default partitioner), so equal keys stay in order. Waits while librdkafka's queue is full,
    /// for `queueFullTimeout` at most: with sends that never expire, a broker that stays away
    /// would otherwise hold the caller for ever.
    /// - Parameters:
    ///   - partition: a fixed partition, or nil to partition by key.
    ///   - deliveryTag: when not 0, the offset the message lands at is kept under this tag for
    ///     ``takeDeliveredOffsets()``.
    package func send(
        topic: String,
        partition: Int32? = nil,
        key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer,
        headers: [(name: StaticString, value: [UInt8])] = [],
        deliveryTag: UInt = 0
    ) throws(KafkaError) {
        var deadline: ContinuousClock.Instant?
        while true {
            let headerList = Self.makeHeaders(headers)
            let result = vigil_produce(
                client.handle, topic, partition ?? RD_KAFKA_PARTITION_UA,
                key?.baseAddress, key?.count ?? 0, value.baseAddress, value.count, headerList,
                UnsafeMutableRawPointer(bitPattern: deliveryTag)
            )
            if result == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if let headerList { rd_kafka_headers_destroy(headerList) }
            let waitEnds = deadline ?? .now + Self.queueFullTimeout
            deadline = waitEnds
            guard result == RD_KAFKA_RESP_ERR__QUEUE_FULL, ContinuousClock.now < waitEnds else {
                // A producer stopped by a fatal error refuses every send with a bare "fatal
                // error"; the error that stopped it says why.
                if result == RD_KAFKA_RESP_ERR__FATAL, let fatal = KafkaError.fatalError(of: client.handle) { throw fatal }
                throw KafkaError(.produce, response: result, context: "send to \(topic)")
            }
            rd_kafka_poll(client.handle, 10)
        }
    }

    /// How long a send waits for room in a full queue before it fails.
    static let queueFullTimeout = Duration.seconds(30)

    /// Convenience for byte arrays.
    package func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]?,
        value: [UInt8],
        headers: [(name: StaticString, value: [UInt8])] = [],
        deliveryTag: UInt = 0
    ) throws(KafkaError) {
        // `withUnsafeBytes` rethrows untyped errors, so the typed error is carried out by hand.
        let result: Result<Void, KafkaError> = value.withUnsafeBytes { valueBytes in
            guard let key else {
                return Result { () throws(KafkaError) in
                    try send(topic: topic, partition: partition, key: nil, value: valueBytes, headers: headers, deliveryTag: deliveryTag)
                }
            }
            return key.withUnsafeBytes { keyBytes in
                Result { () throws(KafkaError) in
                    try send(topic: topic, partition: partition, key: keyBytes, value: valueBytes, headers: headers, deliveryTag: deliveryTag)
                }
            }
        }
        try result.get()
    }

    /// The offsets of the tracked sends acknowledged since the last call, by delivery tag; a
    /// ``flush(timeout:)`` first makes sure every send has its report.
    package func takeDeliveredOffsets() -> [UInt: Int64] {
        client.context.deliveredOffsets.withLock { offsets in
            defer { offsets.removeAll() }
            return offsets
        }
    }

    /// Serves delivery reports without waiting.
    package func poll() {
        rd_kafka_poll(client.handle, 0)
    }

    /// Waits until every queued message is acknowledged or has failed.
    /// - Returns: the failures since the previous flush (empty when all were delivered).
    /// - Throws: `.timeout` when messages are still in flight after `timeout`.
    package func flush(timeout: Duration = .seconds(30)) throws(KafkaError) -> [DeliveryFailure] {
        let result = rd_kafka_flush(client.handle, timeout.milliseconds)
        let failures = client.context.deliveryFailures.withLock { failures in
            defer { failures.removeAll() }
            return failures
        }
        if result == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw KafkaError(.timeout, response: result, context: "\(inFlightCount) messages still in flight after flush")
        }
        if let fatal = KafkaError.fatalError(of: client.handle) { throw fatal }
        return failures
    }

    /// librdkafka's latest statistics (set `statistics.interval.ms` to receive them).
    package var statistics: KafkaStatistics? { client.context.statistics.withLock { $0 } }

    /// Messages queued or in flight.
    package var inFlightCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Names are constants, passed by pointer and length: a `String` passed as a C string is
    /// copied into a new array first.
    private static func makeHeaders(_ headers: [(name: StaticString, value: [UInt8])]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            header.value.withUnsafeBytes { bytes in
                _ = rd_kafka_header_add(list, header.name.utf8Start, header.name.utf8CodeUnitCount, bytes.baseAddress, bytes.count)
            }
        }
        return list
    }
}

extension Duration {
    /// Whole milliseconds, clamped to what librdkafka's `int` timeouts accept.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}
