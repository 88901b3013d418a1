import Testing
import VigilKafka

/// librdkafka says why it could not reach a broker only in its log: those lines, as librdkafka 2.0.2
/// writes them, are read into a broker and a cause that can be told in plain words.
@Suite struct BrokerConnectionFailureTests {
    @Test(arguments: [
        (
            "[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)",
            "127.0.0.1:1", BrokerConnectionFailure.Cause.refused
        ),
        (
            "[thrd:nosuchhost.invalid:9092/bootstrap]: nosuchhost.invalid:9092/bootstrap: Failed to resolve 'nosuchhost.invalid:9092': "
                + "Name or service not known (after 0ms in state CONNECT)",
            "nosuchhost.invalid:9092", .unresolved
        ),
        (
            "[thrd:127.0.0.1:44447/bootstrap]: 127.0.0.1:44447/bootstrap: Receive failed: Invalid response size 1213486160 (0..100000000): "
                + "increase receive.message.max.bytes (after 0ms in state APIVERSION_QUERY)",
            "127.0.0.1:44447", .notKafka
        ),
        (
            "[thrd:sasl_ssl://kafka-1:9093/bootstrap]: sasl_ssl://kafka-1:9093/bootstrap: Connection setup timed out in state CONNECT "
                + "(after 30029ms in state CONNECT)",
            "kafka-1:9093", .timedOut
        ),
        (
            "[thrd:ssl://kafka-1:9093/1]: ssl://kafka-1:9093/1: SSL handshake failed: ssl/record/ssl3_record.c:331: wrong version number",
            "kafka-1:9093", .other
        ),
    ])
    func aFailureLineNamesTheBrokerAndTheCause(line: String, broker: String, cause: BrokerConnectionFailure.Cause) throws {
        let failure = try #require(BrokerConnectionFailure(logLine: line))
        #expect(failure.broker == broker)
        #expect(failure.cause == cause)
        #expect(line.hasSuffix(failure.detail), "librdkafka's text is kept from the broker's name on")
    }

    @Test func aLineThatNamesNoBrokerIsNoFailure() {
        #expect(BrokerConnectionFailure(logLine: "[thrd:127.0.0.1:1/bootstrap]: 1/1 brokers are down") == nil)
    }

    /// The error names every broker tried, how long, and each one's cause, and keeps librdkafka's texts as its detail.
    @Test func theErrorSaysWhyEachBrokerFailedAndKeepsLibrdkafkasText() throws {
        let refused = try #require(BrokerConnectionFailure(logLine: "kafka-1:9092/bootstrap: Connect to ipv4#10.0.0.7:9092 failed: Connection refused"))
        let unresolved = try #require(BrokerConnectionFailure(logLine: "kafka-2:9092/bootstrap: Failed to resolve 'kafka-2:9092': Name or service not known"))
        let error = KafkaError.brokersUnreachable(
            brokers: "kafka-1:9092,kafka-2:9092", waited: .milliseconds(10_020), failures: [refused, unresolved], rdKafkaCode: -195,
            librdkafkaText: "metadata for topic alerts: Local: Broker transport failure")
        #expect(error.code == .brokersUnreachable)
        #expect(error.message == "no Kafka broker answered at kafka-1:9092,kafka-2:9092 (tried for 10s): "
            + "kafka-1:9092 refused the connection (nothing listens on that port); the host name kafka-2 could not be resolved")
        #expect(error.detail == "kafka-1:9092/bootstrap: Connect to ipv4#10.0.0.7:9092 failed: Connection refused; "
            + "kafka-2:9092/bootstrap: Failed to resolve 'kafka-2:9092': Name or service not known; metadata for topic alerts: Local: Broker transport failure")
    }

    /// A port that takes the connection and never answers logs no failure before the wait ends.
    @Test func brokersThatLoggedNoFailureAreSaidToHaveGivenNothingBack() {
        let error = KafkaError.brokersUnreachable(
            brokers: "127.0.0.1:9092", waited: .seconds(10), failures: [], rdKafkaCode: -195, librdkafkaText: "Local: Broker transport failure")
        #expect(error.message.hasSuffix("(tried for 10s): nothing came back (the connection hangs, or the port takes it and says nothing)"))
    }
}
