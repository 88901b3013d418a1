import CRdKafka

/// A librdkafka handle that may cross threads.
///
/// librdkafka's handles (`rd_kafka_t`, the mock cluster) are thread-safe by design: every call on
/// them may be made from any thread. Only the owner destroys them, once, in its `deinit`.
struct SendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer
}
