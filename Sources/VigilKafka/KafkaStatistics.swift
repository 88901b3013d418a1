import Foundation

/// What librdkafka's periodic statistics say about the client: the figures operators watch.
///
/// librdkafka emits a large JSON document every `statistics.interval.ms`; only the round-trip
/// times and queue depths are kept.
package struct KafkaStatistics: Sendable, Equatable {
    package struct Broker: Sendable, Equatable {
        package let name: String
        /// Average request round trip over the last interval.
        package let averageRoundTripSeconds: Double
        /// Requests waiting to be sent, and sent but not answered.
        package let outstandingRequests: Int
    }

    package let brokers: [Broker]
    /// Messages queued in the client (produced, not yet acknowledged).
    package let queuedMessages: Int

    /// Parses librdkafka's statistics JSON; nil when it is not such a document.
    package init?(json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        queuedMessages = object["msg_cnt"] as? Int ?? 0
        let brokers = object["brokers"] as? [String: [String: Any]] ?? [:]
        self.brokers = brokers.compactMap { name, broker in
            // The bootstrap entries ("GroupCoordinator", "-1") carry no traffic of their own.
            guard (broker["nodeid"] as? Int ?? -1) >= 0 else { return nil }
            let rtt = (broker["rtt"] as? [String: Any])?["avg"] as? Double ?? 0
            let outstanding = (broker["outbuf_cnt"] as? Int ?? 0) + (broker["waitresp_cnt"] as? Int ?? 0)
            return Broker(name: name, averageRoundTripSeconds: rtt / 1_000_000, outstandingRequests: outstanding)
        }
        .sorted { $0.name < $1.name }
    }
}
