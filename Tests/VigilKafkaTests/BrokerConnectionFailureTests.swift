import Testing
import VigilKafka
import VigilTesting

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
            "kafka-1:9093", .tlsHandshake
        ),
    ])
    func aFailureLineNamesTheBrokerAndTheCause(line: String, broker: String, cause: BrokerConnectionFailure.Cause) throws {
        let failure = try #require(BrokerConnectionFailure(logLine: line))
        #expect(failure.broker == broker)
        #expect(failure.cause == cause)
        #expect(line.hasSuffix(failure.detail), "librdkafka's text is kept from the broker's name on")
    }

    /// TLS and SASL failures as librdkafka 2.0.2 logs them: the first two measured here against the
    /// mock cluster's plaintext listener, the others as real brokers answer.
    @Test(arguments: [
        (
            "[thrd:ssl://127.0.0.1:36339/bootstrap]: ssl://127.0.0.1:36339/bootstrap: SSL handshake failed: Disconnected: "
                + "connecting to a PLAINTEXT broker listener? (after 0ms in state SSL_HANDSHAKE)",
            BrokerConnectionFailure.Cause.tlsHandshake
        ),
        ("[thrd:sasl_ssl://127.0.0.1:42181/bootstrap]: sasl_ssl://127.0.0.1:42181/bootstrap: Disconnected (after 0ms in state SSL_HANDSHAKE)", .tlsHandshake),
        (
            "[thrd:ssl://kafka-1:9093/bootstrap]: ssl://kafka-1:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate "
                + "verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly configured or root CA "
                + "certificates are installed (install ca-certificates package) (after 7ms in state SSL_HANDSHAKE)",
            .tlsHandshake
        ),
        (
            "[thrd:sasl_plaintext://127.0.0.1:41347/bootstrap]: sasl_plaintext://127.0.0.1:41347/bootstrap: Failed to initialize SASL "
                + "authentication: SASL Handshake not supported by broker (required by mechanism PLAIN) (after 0ms in state AUTH_LEGACY)",
            .authentication
        ),
        (
            "[thrd:sasl_ssl://kafka-1:9093/bootstrap]: sasl_ssl://kafka-1:9093/bootstrap: SASL authentication error: Authentication failed "
                + "during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256 (after 312ms in state AUTH_REQ)",
            .authentication
        ),
        (
            "[thrd:sasl_ssl://kafka-1:9093/bootstrap]: sasl_ssl://kafka-1:9093/bootstrap: SASL SCRAM-SHA-512 mechanism handshake failed: "
                + "Broker: Unsupported SASL mechanism: broker's supported mechanisms: PLAIN,SCRAM-SHA-256 (after 2ms in state AUTH_HANDSHAKE)",
            .authentication
        ),
    ])
    func tlsAndSASLFailuresAreToldApart(line: String, cause: BrokerConnectionFailure.Cause) throws {
        #expect(try #require(BrokerConnectionFailure(logLine: line)).cause == cause)
    }

    /// librdkafka may log a bare `Disconnected` for a TLS connection just before or after the line that says why.
    @Test func theTextThatSaysWhyIsKeptForABroker() throws {
        let why = try #require(BrokerConnectionFailure(logLine: "ssl://k:9093/bootstrap: SSL handshake failed: Disconnected: connecting to a PLAINTEXT broker listener?"))
        let bare = try #require(BrokerConnectionFailure(logLine: "ssl://k:9093/bootstrap: Disconnected (after 0ms in state SSL_HANDSHAKE)"))
        let refused = try #require(BrokerConnectionFailure(logLine: "k:9093/bootstrap: Connect to ipv4#10.0.0.7:9093 failed: Connection refused"))
        #expect(why.replaces(nil) && why.replaces(bare) && refused.replaces(why))
        #expect(!bare.replaces(why) && !refused.replaces(refused))
    }

    /// Against the mock cluster's plaintext listener, TLS fails its handshake and SASL its handshake request.
    @Test(arguments: [
        (["security.protocol": "ssl"], BrokerConnectionFailure.Cause.tlsHandshake),
        (["security.protocol": "sasl_plaintext", "sasl.mechanisms": "PLAIN", "sasl.username": "u", "sasl.password": "p"], .authentication),
    ])
    func aBrokerReachedWithTheWrongSecurityIsExplained(properties: [String: String], cause: BrokerConnectionFailure.Cause) throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        var configuration = ProducerConfiguration.test(cluster)
        configuration.kafka.properties = properties
        let producer = try KafkaProducer(configuration: configuration, logger: .quiet)
        let error = try #require(throws: KafkaError.self) { try producer.prepare(topics: ["payments"], timeout: .seconds(3)) }
        #expect(error.code == .brokersUnreachable)
        #expect(error.brokerFailures.map(\.cause) == [cause], "\(error)")
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
