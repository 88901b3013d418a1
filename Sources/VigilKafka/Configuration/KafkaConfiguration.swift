/// Settings every Kafka client shares, plus a passthrough for any librdkafka property.
///
/// Typed values cover what Vigil itself relies on; `properties` carries everything else
/// (TLS, SASL, tuning) straight to librdkafka and wins over the typed values, so an operator
/// can always override a default. Unknown or invalid keys are reported by librdkafka when the
/// client is built.
package struct KafkaConfiguration: Sendable {
    /// `host:port[,host:port…]`.
    package var bootstrapServers: String
    package var clientID = "vigil"
    /// How often librdkafka reports broker round trips and queue depths (0 turns it off).
    package var statisticsIntervalMilliseconds = 15_000
    /// Any librdkafka property (`security.protocol`, `sasl.mechanism`, `ssl.ca.location`, …).
    package var properties: [String: String] = [:]

    package init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    func librdkafkaProperties() -> [String: String] {
        [
            "bootstrap.servers": bootstrapServers, "client.id": clientID,
            "statistics.interval.ms": String(statisticsIntervalMilliseconds),
            // With Nagle's algorithm on, the second of two back-to-back small requests waits for
            // the broker to acknowledge the first, which Linux delays by up to 40 ms.
            "socket.nagle.disable": "true",
        ]
    }
}

/// A high-level consumer in a consumer group, committing offsets only when told to.
package struct ConsumerConfiguration: Sendable {
    package enum OffsetReset: String, Sendable {
        case earliest
        case latest
    }

    package var kafka: KafkaConfiguration
    package var groupID: String
    /// Static membership (`group.instance.id`), e.g. a StatefulSet pod name.
    package var groupInstanceID: String?
    /// How long the group waits for a silent member; the mock cluster's rebalances wait about this long.
    package var sessionTimeoutMilliseconds = 45_000
    package var assignmentStrategy = "cooperative-sticky"
    package var offsetReset = OffsetReset.earliest
    /// How long a fetch with no data is held by the broker: the floor of end-to-end latency when idle.
    package var fetchWaitMaxMilliseconds = 100
    package var isolationLevel = "read_committed"

    package init(kafka: KafkaConfiguration, groupID: String) {
        self.kafka = kafka
        self.groupID = groupID
    }

    func librdkafkaProperties() -> [String: String] {
        var properties = kafka.librdkafkaProperties()
        properties["group.id"] = groupID
        properties["group.instance.id"] = groupInstanceID
        properties["session.timeout.ms"] = String(sessionTimeoutMilliseconds)
        properties["partition.assignment.strategy"] = assignmentStrategy
        properties["auto.offset.reset"] = offsetReset.rawValue
        properties["fetch.wait.max.ms"] = String(fetchWaitMaxMilliseconds)
        properties["isolation.level"] = isolationLevel
        // Vigil commits explicitly, after every output of a message is acknowledged.
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        return properties.merging(kafka.properties) { _, passthrough in passthrough }
    }
}

/// A producer whose sends are acknowledged by all in-sync replicas and never duplicated by retries.
package struct ProducerConfiguration: Sendable {
    package var kafka: KafkaConfiguration
    package var lingerMilliseconds = 5
    package var isIdempotent = true
    /// How long librdkafka keeps retrying a send before reporting it failed; 0 for ever.
    package var deliveryTimeoutMilliseconds = 30_000
    /// Set for exactly-once mode: one stable id per replica (e.g. the pod name), so a restarted
    /// replica fences its predecessor's open transaction.
    package var transactionalID: String?

    package init(kafka: KafkaConfiguration) {
        self.kafka = kafka
    }

    func librdkafkaProperties() -> [String: String] {
        var properties = kafka.librdkafkaProperties()
        properties["linger.ms"] = String(lingerMilliseconds)
        properties["enable.idempotence"] = isIdempotent ? "true" : "false"
        properties["acks"] = "all"
        properties["delivery.timeout.ms"] = String(deliveryTimeoutMilliseconds)
        properties["transactional.id"] = transactionalID
        return properties.merging(kafka.properties) { _, passthrough in passthrough }
    }
}
