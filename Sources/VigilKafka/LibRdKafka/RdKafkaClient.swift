import CRdKafka
import Logging
import Synchronization

/// State that librdkafka's C callbacks reach through the client's opaque pointer.
///
/// Log lines may arrive on librdkafka's own threads; delivery reports and rebalances arrive on the
/// thread that polls. Everything here is therefore behind a `Mutex` or immutable.
final class ClientContext: Sendable {
    let logger: Logger
    let deliveryFailures = Mutex<[DeliveryFailure]>([])
    /// Where tracked sends landed, by their tag (see `KafkaProducer.send(…deliveryTag:)`).
    let deliveredOffsets = Mutex<[UInt: Int64]>([:])
    let rebalances = Mutex<[RebalanceEvent]>([])
    /// Set by the first assignment; until then closing the consumer would trip a librdkafka 2.0.2
    /// assertion (the cooperative-sticky assignor has no state yet; fixed in 2.3.0).
    let hasBeenAssigned = Atomic<Bool>(false)
    /// Chooses where a newly assigned partition starts, from its committed position.
    let startPositions = Mutex<StartPositionPolicy?>(nil)
    /// The latest statistics, when `statistics.interval.ms` is set.
    let statistics = Mutex<KafkaStatistics?>(nil)
    /// The latest connection failure of each broker, from librdkafka's log, to say why none
    /// answered (see ``BrokerConnectionFailure/replaces(_:)``).
    let connectionFailures = Mutex<[String: BrokerConnectionFailure]>([:])
    /// librdkafka's log lines held until a broker answers (see ``StartupLog``).
    let startupLog = Mutex(StartupLog())
    /// Set when librdkafka reports every broker down; cleared by whoever sees one answer again.
    let allBrokersDown = Atomic<Bool>(false)

    init(logger: Logger) {
        self.logger = logger
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Logs one of librdkafka's lines, at `level` or, when given, at `demotedTo`.
    func log(_ line: StartupLog.Line, demotedTo level: Logger.Level? = nil) {
        logger.log(level: level ?? line.level, "\(line.text)", metadata: ["librdkafka": "\(line.facility)"])
    }

    /// Logs one of librdkafka's lines now, or holds it until a broker answers (see ``StartupLog``).
    func receive(_ line: StartupLog.Line) {
        if let now = startupLog.withLock({ $0.receive(line) }) { log(now) }
    }

    /// A broker answered, or the client was put to use: the lines held since its creation are
    /// logged at their own levels, and later lines as they come.
    func releaseStartupLog() {
        let (lines, dropped) = startupLog.withLock { $0.release() }
        for line in lines { log(line) }
        if dropped > 0 { logger.notice("\(dropped) more librdkafka lines from before a broker answered were dropped") }
    }

    /// No broker answered, and the error that says so quotes librdkafka's reason: the lines held
    /// so far are logged at debug level, so that the explanation comes first.
    func setAsideStartupLog() {
        let (lines, _) = startupLog.withLock { $0.setAside() }
        for line in lines { log(line, demotedTo: .debug) }
    }
}

/// A send that librdkafka gave up on after its retries and `delivery.timeout.ms`.
package struct DeliveryFailure: Sendable, CustomStringConvertible {
    package let topic: String
    package let partition: Int32
    package let error: KafkaError

    package var description: String { "\(topic)[\(partition)]: \(error.message)" }
}

/// Owns one `rd_kafka_t` and the context its callbacks use.
///
/// - Important: destruction order matters: `rd_kafka_destroy` first (it may still call back
///   into the context while it drains), then the context is released.
final class RdKafkaClient {
    let handle: OpaquePointer
    let context: ClientContext
    /// `bootstrap.servers`, to name the brokers in errors about reaching them.
    let brokers: String
    private let retainedContext: Unmanaged<ClientContext>

    enum Kind {
        case producer
        case consumer
    }

    init(_ kind: Kind, properties: [String: String], logger: Logger) throws(KafkaError) {
        let conf = try makeRdKafkaConf(properties)
        let context = ClientContext(logger: logger)
        let retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_log_cb(conf, forwardLogLine)
        rd_kafka_conf_set_error_cb(conf, recordError)
        rd_kafka_conf_set_stats_cb(conf, keepStatistics)
        switch kind {
        case .producer: rd_kafka_conf_set_dr_msg_cb(conf, recordDelivery)
        case .consumer: rd_kafka_conf_set_rebalance_cb(conf, applyRebalance)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            retained.release()
            let detail = String(errorBuffer: errorText)
            throw KafkaError(.configuration, message: detail)
        }
        self.handle = handle
        self.context = context
        self.brokers = properties["bootstrap.servers"] ?? "?"
        self.retainedContext = retained
    }

    deinit {
        rd_kafka_destroy(handle)
        context.setAsideStartupLog()
        retainedContext.release()
    }

    /// Fetches metadata for `topics`, so the first send to each does not wait for it (about 0.9 s in 2.0.2).
    /// - Returns: each topic's partition count; a topic the broker does not know is left out.
    func warmUpMetadata(topics: [String], timeoutMilliseconds: Int32) throws(KafkaError) -> [String: Int32] {
        var partitionCounts: [String: Int32] = [:]
        for topic in topics {
            guard let topicHandle = rd_kafka_topic_new(handle, topic, nil) else { continue }
            defer { rd_kafka_topic_destroy(topicHandle) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let started = ContinuousClock.now
            let result = rd_kafka_metadata(handle, 0, topicHandle, &metadata, timeoutMilliseconds)
            defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw metadataFailure(result, topic: topic, since: started) }
            context.releaseStartupLog()
            if let described = metadata?.pointee, described.topic_cnt > 0, let entry = described.topics?.pointee,
                entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.partition_cnt > 0
            {
                partitionCounts[topic] = entry.partition_cnt
            }
        }
        return partitionCounts
    }

    /// The error of a metadata request that failed after `started`. When no broker answered, it
    /// says so in plain words, with each broker's latest connection failure from the log, and
    /// librdkafka's lines so far are logged at debug level only (the error quotes their reason).
    func metadataFailure(_ result: rd_kafka_resp_err_t, topic: String, since started: ContinuousClock.Instant) -> KafkaError {
        let request = "metadata for topic \(topic) from brokers \(brokers)"
        let noBrokerAnswered = [RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN].contains(result)
        guard noBrokerAnswered else {
            context.releaseStartupLog()
            return KafkaError(.client, response: result, context: request)
        }
        context.setAsideStartupLog()
        return .brokersUnreachable(
            brokers: brokers, waited: .now - started,
            failures: context.connectionFailures.withLock { $0.values.sorted { $0.broker < $1.broker } },
            rdKafkaCode: result.rawValue, librdkafkaText: "\(request): \(String(cString: rd_kafka_err2str(result)))"
        )
    }
}

/// librdkafka's log callback: syslog levels onto swift-log levels.
private func forwardLogLine(client: OpaquePointer?, level: Int32, facility: UnsafePointer<CChar>?, line: UnsafePointer<CChar>?) {
    guard let client, let context = ClientContext.from(rd_kafka_opaque(client)), let line else { return }
    let logLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    let facilityText = facility.map { String(cString: $0) } ?? "-"
    let text = String(cString: line)
    if facilityText == "FAIL", let failure = BrokerConnectionFailure(logLine: text) {
        context.connectionFailures.withLock { failures in
            if failure.replaces(failures[failure.broker]) { failures[failure.broker] = failure }
        }
    }
    // The pipeline asks for the gapless guarantee on purpose (`PipelineConfiguration.outputProducer`):
    // librdkafka's warning at every start that the property is experimental is not for operators.
    let isExpected = facilityText == "CONFWARN" && text.contains("enable.gapless.guarantee is experimental")
    context.receive(StartupLog.Line(level: isExpected ? .debug : logLevel, facility: facilityText, text: text))
}

/// Error callback: librdkafka's client-wide errors, which it would otherwise only log (as it did,
/// as an error line named after the client). Every broker being down is also kept, for readiness.
private func recordError(client: OpaquePointer?, error: Int32, reason: UnsafePointer<CChar>?, opaque: UnsafeMutableRawPointer?) {
    guard let context = ClientContext.from(opaque) else { return }
    let code = rd_kafka_resp_err_t(error)
    if code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN { context.allBrokersDown.store(true, ordering: .relaxed) }
    let name = client.map { String(cString: rd_kafka_name($0)) } ?? "librdkafka"
    let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(code))
    context.receive(StartupLog.Line(level: .error, facility: "ERROR", text: "\(name): \(text)"))
}

/// Statistics callback: keeps the latest figures. Returning 0 lets librdkafka free the JSON.
private func keepStatistics(client: OpaquePointer?, json: UnsafeMutablePointer<CChar>?, length: Int, opaque: UnsafeMutableRawPointer?) -> Int32 {
    guard let json, let context = ClientContext.from(opaque) else { return 0 }
    let text = String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self)
    if let statistics = KafkaStatistics(json: text) {
        context.statistics.withLock { $0 = statistics }
    }
    return 0
}

/// Delivery-report callback: records failures, and the offsets of tracked sends; other successes
/// need no bookkeeping beyond librdkafka's queue length.
private func recordDelivery(client: OpaquePointer?, message: UnsafePointer<rd_kafka_message_t>?, opaque: UnsafeMutableRawPointer?) {
    guard let message, let context = ClientContext.from(opaque) else { return }
    guard message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else {
        if let tag = message.pointee._private {
            context.deliveredOffsets.withLock { $0[UInt(bitPattern: tag)] = message.pointee.offset }
        }
        return
    }
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
    let error = KafkaError(.delivery, response: message.pointee.err, context: "delivery to \(topic)")
    context.deliveryFailures.withLock {
        $0.append(DeliveryFailure(topic: topic, partition: message.pointee.partition, error: error))
    }
}

/// Rebalance callback: applies the assignment change (incremental for cooperative protocols) and
/// records it for the next `poll` to report. Commits never happen here (librdkafka 2.0.2 can lose
/// an assignment when a commit lands during a cooperative rebalance).
private func applyRebalance(
    client: OpaquePointer?,
    reason: rd_kafka_resp_err_t,
    partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    opaque: UnsafeMutableRawPointer?
) {
    guard let client, let context = ClientContext.from(opaque) else { return }
    let isCooperative = String(cString: rd_kafka_rebalance_protocol(client)) == "COOPERATIVE"
    let changed = partitions.map(PartitionList.partitions(of:)) ?? []
    var failure: OpaquePointer?
    switch reason {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        var assigned = changed.map { AssignedPartition(partition: $0) }
        if let partitions, let policy = context.startPositions.withLock({ $0 }) {
            assigned = chooseStarts(client: client, partitions: partitions, policy: policy, logger: context.logger)
        }
        if isCooperative {
            failure = rd_kafka_incremental_assign(client, partitions)
        } else {
            _ = rd_kafka_assign(client, partitions)
        }
        context.hasBeenAssigned.store(true, ordering: .relaxed)
        context.rebalances.withLock { $0.append(.assigned(assigned)) }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        let isLost = rd_kafka_assignment_lost(client) != 0
        if isCooperative {
            failure = rd_kafka_incremental_unassign(client, partitions)
        } else {
            _ = rd_kafka_assign(client, nil)
        }
        context.rebalances.withLock { $0.append(.revoked(changed, isLost: isLost)) }
    default:
        context.logger.error("rebalance failed: \(String(cString: rd_kafka_err2str(reason)))")
        _ = rd_kafka_assign(client, nil)
        context.rebalances.withLock { $0.append(.revoked(changed, isLost: true)) }
    }
    if let failure {
        context.logger.error("\(KafkaError(.consume, consuming: failure, context: "incremental rebalance"))")
    }
}

/// Where a newly assigned partition starts, given its committed position (offset and metadata,
/// offset -1001 when nothing is committed); nil keeps the committed offset.
package typealias StartPositionPolicy = @Sendable (TopicPartitionOffset) -> Int64?

/// Reads the committed positions of newly assigned partitions and writes the policy's start
/// offsets into the list before it is assigned, so the first fetch already starts there (a seek
/// after the assignment could still deliver messages fetched from the committed offset).
/// When the committed positions cannot be read, the partitions start at the committed offset and
/// are reported as not knowing it (`isCommittedUnknown`), for the caller to refuse.
private func chooseStarts(
    client: OpaquePointer, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, policy: StartPositionPolicy, logger: Logger
) -> [AssignedPartition] {
    guard let query = rd_kafka_topic_partition_list_copy(partitions) else { return [] }
    defer { rd_kafka_topic_partition_list_destroy(query) }
    var result = RD_KAFKA_RESP_ERR_NO_ERROR
    for attempt in 1...5 {
        result = rd_kafka_committed(client, query, 10_000)
        if result == RD_KAFKA_RESP_ERR_NO_ERROR { break }
        logger.warning("reading committed offsets at assignment failed (attempt \(attempt)): \(String(cString: rd_kafka_err2str(result)))")
    }
    guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
        return PartitionList.partitions(of: partitions).map { AssignedPartition(partition: $0, isCommittedUnknown: true) }
    }
    let failed = Set(PartitionList.errors(of: query).map(\.partition))
    return PartitionList.offsets(of: query).map { committed in
        if failed.contains(committed.topicPartition) { return AssignedPartition(partition: committed.topicPartition, isCommittedUnknown: true) }
        let start = policy(committed)
        if let start, let element = rd_kafka_topic_partition_list_find(
            partitions, committed.topicPartition.topic, committed.topicPartition.partition) {
            element.pointee.offset = start
        }
        return AssignedPartition(partition: committed.topicPartition, committed: committed.offset >= 0 ? committed : nil, start: start)
    }
}
