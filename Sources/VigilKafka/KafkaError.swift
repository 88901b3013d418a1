/// An error from Kafka or from librdkafka, carrying librdkafka's own code and text.
///
/// `isFatal` errors leave the client unusable (a fenced static member, a fatal idempotence error):
/// the process should stop and let its supervisor restart it. `isRetriable` errors may succeed if
/// the same call is made again.
package struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What failed, in Vigil's terms; librdkafka's own code is `rdKafkaCode`.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package var description: String { name }

        package static let configuration = Code(name: "configuration")
        package static let client = Code(name: "client")
        package static let produce = Code(name: "produce")
        package static let delivery = Code(name: "delivery")
        package static let consume = Code(name: "consume")
        package static let commit = Code(name: "commit")
        package static let subscribe = Code(name: "subscribe")
        package static let mockCluster = Code(name: "mock_cluster")
        package static let timeout = Code(name: "timeout")
        package static let transaction = Code(name: "transaction")
        /// No broker answered: a wrong address, brokers that are down, or a network in between.
        package static let brokersUnreachable = Code(name: "brokers_unreachable")
    }

    package let code: Code
    /// librdkafka's `rd_kafka_resp_err_t` value (0 when the error did not come from librdkafka).
    package let rdKafkaCode: Int32
    package let message: String
    /// librdkafka's own text, kept beside a `message` written in plain words.
    package let detail: String?
    package let isFatal: Bool
    package let isRetriable: Bool
    /// A transaction call failed in a way that only aborting the transaction recovers from.
    package let requiresAbort: Bool
    /// For `.brokersUnreachable`: each broker's latest connection failure, to say what to check.
    package let brokerFailures: [BrokerConnectionFailure]
    package let file: String
    package let line: Int

    package init(
        _ code: Code,
        rdKafkaCode: Int32 = 0,
        message: String,
        detail: String? = nil,
        isFatal: Bool = false,
        isRetriable: Bool = false,
        requiresAbort: Bool = false,
        brokerFailures: [BrokerConnectionFailure] = [],
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.rdKafkaCode = rdKafkaCode
        self.message = message
        self.detail = detail
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.requiresAbort = requiresAbort
        self.brokerFailures = brokerFailures
        self.file = file
        self.line = line
    }

    package var description: String {
        let fatal = isFatal ? " (fatal)" : ""
        let librdkafka = detail.map { " (librdkafka: \($0))" } ?? ""
        return "Kafka \(code) error\(fatal): \(message)\(librdkafka) [librdkafka \(rdKafkaCode)]"
    }
}
