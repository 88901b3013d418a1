import CRdKafka
import Dispatch
package import Logging
import Synchronization
import VigilValues

/// A consumer-group member that commits only what it is told to.
///
/// Rebalances are applied inside librdkafka's callback (incrementally under cooperative-sticky)
/// and reported with the next batch, so the owner learns which partitions it lost before it
/// processes or commits anything more. Not thread-safe: one owner polls, commits and closes.
package final class KafkaConsumer {
    let client: RdKafkaClient
    let logger: Logger
    private var isClosed = false
    /// Whether the consumer joined a group by subscribing (rather than assigning partitions itself).
    private var isSubscribed = false
    /// False after librdkafka reported every broker down; true again once a message or assignment
    /// arrives, or a broker answers ``probeBrokersIfDown(timeout:)``.
    package var isBrokerReachable: Bool { !client.context.allBrokersDown.load(ordering: .relaxed) }
    /// `bootstrap.servers` as given to librdkafka, to name the brokers in messages.
    package var brokers: String { client.brokers }

    package init(configuration: ConsumerConfiguration, logger: Logger) throws(KafkaError) {
        client = try RdKafkaClient(.consumer, properties: configuration.librdkafkaProperties(), logger: logger)
        self.logger = logger
        // One queue for messages, rebalances, errors and logs: everything is served by `poll`.
        rd_kafka_poll_set_consumer(client.handle)
    }

    /// Decides where each newly assigned partition starts reading, from its committed position
    /// and metadata, before its first fetch. Set it before `subscribe`.
    package func startPositions(_ policy: @escaping StartPositionPolicy) {
        client.context.startPositions.withLock { $0 = policy }
    }

    package func subscribe(topics: [String]) throws(KafkaError) {
        let list = PartitionList.make(topics.map { TopicPartitionOffset(TopicPartition(topic: $0, partition: -1), offset: 0) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_subscribe(client.handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.subscribe, response: result, context: "subscribe to \(topics)")
        }
        client.context.releaseStartupLog()
        isSubscribed = true
    }

    /// Waits up to `timeout` for a first message, then takes what is already fetched, up to
    /// `maxMessages`. The batch stops early at a rebalance, which it reports in `rebalances`.
    /// - Throws: only fatal errors; others are logged and polling goes on.
    package func poll(maxMessages: Int, timeout: Duration) throws(KafkaError) -> KafkaMessageBatch {
        var messages: [UnsafeMutablePointer<rd_kafka_message_t>] = []
        messages.reserveCapacity(maxMessages)
        var wait = timeout.milliseconds
        while messages.count < maxMessages, let message = rd_kafka_consumer_poll(client.handle, wait) {
            wait = 0
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                messages.append(message)
                // Here, not once per batch: an error served later in this poll must have the last word.
                markBrokerReachable()
            } else {
                defer { rd_kafka_message_destroy(message) }
                try report(message.pointee.err, message: message)
            }
            if hasPendingRebalances { break }
        }
        let rebalances = client.context.rebalances.withLock { events in
            defer { events.removeAll() }
            return events
        }
        // Only an assignment says the coordinator answered: a session that timed out during an
        // outage revokes the whole assignment as lost, with every broker still down.
        if rebalances.contains(where: \.isAssignment) { markBrokerReachable() }
        return KafkaMessageBatch(messages: messages, rebalances: rebalances)
    }

    /// Once every broker was reported down, asks for metadata, briefly: an input without traffic
    /// brings no message to say that a broker is back.
    package func probeBrokersIfDown(timeout: Duration = .milliseconds(200)) {
        guard !isBrokerReachable else { return }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(client.handle, 0, nil, &metadata, timeout.milliseconds)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        if result == RD_KAFKA_RESP_ERR_NO_ERROR { markBrokerReachable() }
    }

    private func markBrokerReachable() {
        client.context.allBrokersDown.store(false, ordering: .relaxed)
    }

    /// Reads `offsets` without joining the group: no rebalances, every listed partition at once.
    /// An offset may be a logical one, `TopicPartitionOffset.beginning` or `.end`.
    package func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_assign(client.handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.subscribe, response: result, context: "assign \(offsets)")
        }
        client.context.releaseStartupLog()
        client.context.hasBeenAssigned.store(true, ordering: .relaxed)
    }

    /// The partitions of `topic`, from the cluster's metadata.
    ///
    /// Reads the list of every topic rather than asking for `topic` by name: a broker that creates
    /// topics on first use (librdkafka's mock cluster does) would otherwise create a mistyped one,
    /// and a reader of it would wait for messages that never come.
    /// - Throws: when the topic does not exist, naming the topics that do; `.brokersUnreachable`
    ///   when no broker answered within `timeout`.
    package func partitions(of topic: String, timeout: Duration = .seconds(10)) throws(KafkaError) -> [TopicPartition] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let started = ContinuousClock.now
        let result = rd_kafka_metadata(client.handle, 1, nil, &metadata, timeout.milliseconds)
        defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw client.metadataFailure(result, topic: topic, since: started) }
        client.context.releaseStartupLog()
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first(where: { String(cString: $0.topic) == topic }) else {
            let names = topics.map { String(cString: $0.topic) }
            throw KafkaError(
                .client, rdKafkaCode: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
                message: "topic \(topic) does not exist on brokers \(client.brokers); \(Self.describe(topicNames: names))"
            )
        }
        guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.client, response: entry.err, context: "metadata for topic \(topic)")
        }
        return (0..<Int(entry.partition_cnt)).map { TopicPartition(topic: topic, partition: entry.partitions[$0].id) }
    }

    /// `its topics: a, b, c`, without Kafka's internal topics and cut short on a large cluster.
    static func describe(topicNames: [String], shown: Int = 20) -> String {
        let names = topicNames.filter { !$0.hasPrefix("__") }.sorted()
        guard !names.isEmpty else { return "it has no topics" }
        let more = names.count > shown ? " and \(names.count - shown) more" : ""
        return "its topics: " + names.prefix(shown).joined(separator: ", ") + more
    }

    /// For each partition, the offset of the first message whose timestamp is at or after
    /// `milliseconds`; nil when the broker found none or could not answer.
    package func offsets(
        for partitions: [TopicPartition], atOrAfter milliseconds: Int64, timeout: Duration = .seconds(10)
    ) -> [TopicPartition: Int64?] {
        let list = PartitionList.make(partitions.map { TopicPartitionOffset($0, offset: milliseconds) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_offsets_for_times(client.handle, list, timeout.milliseconds)
        var answers: [TopicPartition: Int64?] = [:]
        for element in UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)) {
            let partition = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            let isKnown = result == RD_KAFKA_RESP_ERR_NO_ERROR && element.err == RD_KAFKA_RESP_ERR_NO_ERROR
            answers[partition] = isKnown && element.offset >= 0 ? element.offset : nil
        }
        return answers
    }

    /// Commits positions synchronously; `offset` is the next offset to read.
    package func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_commit(client.handle, list, 0)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.commit, response: result, context: "commit \(offsets)")
        }
        if let (partition, error) = PartitionList.errors(of: list).first {
            throw KafkaError(.commit, response: error, context: "commit \(partition)")
        }
    }

    /// The committed positions of `partitions` (offset -1001 when none is committed).
    package func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) throws(KafkaError) -> [TopicPartitionOffset] {
        let list = PartitionList.make(partitions.map { TopicPartitionOffset($0, offset: -1001) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_committed(client.handle, list, timeout.milliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.commit, response: result, context: "read committed offsets")
        }
        return PartitionList.offsets(of: list)
    }

    /// Leaves the group (revoking the assignment) and stops fetching, waiting at most `timeout`.
    /// A group member that was never assigned anything is not closed (see below).
    ///
    /// librdkafka 2.0.2 can hang in close when an assignment arrives meanwhile (fixed in 2.4.0), so
    /// close runs on its own thread and is abandoned after `timeout`.
    /// - Returns: whether the consumer closed in time, so that a group member has left its group
    ///   now; false when the group will notice only at the session timeout, which the log says.
    @discardableResult
    package func close(timeout: Duration) -> Bool {
        guard !isClosed else { return true }
        isClosed = true
        guard client.context.hasBeenAssigned.load(ordering: .relaxed) else {
            // librdkafka 2.0.2 asserts in the cooperative-sticky assignor when a member that never
            // received an assignment closes or is destroyed (confluentinc/librdkafka#4312). Such a
            // member owns nothing to commit: leave by session timeout and keep the handle alive.
            if isSubscribed { logger.info("never assigned partitions: leaving the group by session timeout") }
            _ = Unmanaged.passRetained(client)
            return !isSubscribed
        }
        let handle = SendablePointer(pointer: client.handle)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "vigil.kafka.close").async {
            _ = rd_kafka_consumer_close(handle.pointer)
            done.signal()
        }
        let closed = done.wait(timeout: .now() + .milliseconds(Int(timeout.milliseconds))) == .success
        if !closed {
            logger.error("consumer close did not finish within \(ReadableDuration.text(timeout)); leaving the group by session timeout")
            // Destroying the handle while close still runs would be undefined behaviour: keep it alive.
            _ = Unmanaged.passRetained(client)
        }
        return closed
    }

    private var hasPendingRebalances: Bool {
        client.context.rebalances.withLock { !$0.isEmpty }
    }

    private func report(_ error: rd_kafka_resp_err_t, message: UnsafeMutablePointer<rd_kafka_message_t>) throws(KafkaError) {
        if error == RD_KAFKA_RESP_ERR__PARTITION_EOF { return }
        if error == RD_KAFKA_RESP_ERR__FATAL, let fatal = KafkaError.fatalError(of: client.handle) { throw fatal }
        if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN { client.context.allBrokersDown.store(true, ordering: .relaxed) }
        let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
        logger.warning("consumer error: \(String(cString: rd_kafka_err2str(error))): \(text)")
    }
}
