import VigilValues

/// Why librdkafka could not talk to one broker, read from the line it logs when a connection
/// fails (facility `FAIL`).
///
/// That line is the only place where librdkafka 2.0.2 says why while a blocking call such as a
/// metadata request waits: its error events reach the application only through a later poll, and
/// the call itself returns no more than "broker transport failure".
package struct BrokerConnectionFailure: Sendable, Equatable {
    package enum Cause: Sendable, Equatable {
        /// Nothing listens on that port of that host.
        case refused
        /// The host name has no address.
        case unresolved
        /// The connection or its first request got no answer in time.
        case timedOut
        /// Something answered, but not as a Kafka broker: another service, or a TLS listener reached in plaintext.
        case notKafka
        /// The TLS handshake failed: a listener without TLS reached with `security.protocol` SSL or
        /// SASL_SSL, or a certificate that one side does not trust.
        case tlsHandshake
        /// The broker did not accept the SASL authentication: a mechanism its listener does not
        /// enable, or wrong credentials.
        case authentication
        /// Anything else; librdkafka's text says what.
        case other
    }

    /// The broker as librdkafka names it, `host:port`.
    package let broker: String
    package let cause: Cause
    /// librdkafka's own text, from the broker's name on.
    package let detail: String
    private let isBareDisconnection: Bool

    /// - Parameter line: a `FAIL` log line, `[thrd:…]: host:port/id: what failed`; nil when it does not name a broker.
    package init?(logLine line: String) {
        var text = Substring(line)
        if text.hasPrefix("[thrd:"), let threadEnd = text.firstRange(of: "]: ") { text = text[threadEnd.upperBound...] }
        guard let nameEnd = text.firstRange(of: ": "), let idStart = text[..<nameEnd.lowerBound].lastIndex(of: "/") else { return nil }
        // A broker reached over TLS or SASL is named with its protocol first: `ssl://host:9093/1`.
        let name = text[..<idStart]
        broker = String(name.firstRange(of: "://").map { name[$0.upperBound...] } ?? name)
        cause = Self.cause(of: text[nameEnd.upperBound...])
        detail = String(text)
        isBareDisconnection = text[nameEnd.upperBound...].hasPrefix("Disconnected (")
    }

    /// Whether this failure should stand for its broker instead of `known`, the one kept so far:
    /// a new cause does; of the same cause the first text is kept, as later ones repeat it or say
    /// less, unless that first one was a bare `Disconnected (… in state SSL_HANDSHAKE)`, which
    /// librdkafka may log before the `SSL handshake failed: …` that says why.
    package func replaces(_ known: BrokerConnectionFailure?) -> Bool {
        guard let known, known.cause == cause else { return true }
        return known.isBareDisconnection && !isBareDisconnection
    }

    /// librdkafka 2.0.2 reports a failed TLS handshake as `SSL handshake failed: …` (then, for the
    /// same connection, `Disconnected (… in state SSL_HANDSHAKE)`), and a refused SASL
    /// authentication (`RD_KAFKA_RESP_ERR__AUTHENTICATION`, a broker's `SASL_AUTHENTICATION_FAILED`)
    /// as `SASL authentication error: …`, `SASL PLAIN mechanism handshake failed: …` or
    /// `Failed to initialize SASL authentication: …`, in state `AUTH_…`.
    private static func cause(of reason: Substring) -> Cause {
        if reason.contains("Connection refused") { return .refused }
        if reason.contains("Failed to resolve") { return .unresolved }
        if reason.contains("SSL handshake failed") || reason.contains("state SSL_HANDSHAKE") || reason.contains("SSL transport error") {
            return .tlsHandshake
        }
        if reason.contains("SASL") || reason.contains("in state AUTH_") { return .authentication }
        if reason.lowercased().contains("timed out") { return .timedOut }
        if reason.contains("APIVERSION_QUERY") || reason.contains("requesting ApiVersion") { return .notKafka }
        return .other
    }

    /// The failure in plain words, naming the broker.
    var summary: String {
        switch cause {
        case .refused: "\(broker) refused the connection (nothing listens on that port)"
        case .unresolved: "the host name \(host) could not be resolved"
        case .timedOut: "\(broker) did not answer in time"
        case .notKafka: "\(broker) answered, but not as a Kafka broker (another service, or a TLS listener: -X security.protocol)"
        case .tlsHandshake: "the TLS handshake with \(broker) failed (a listener without TLS, or a certificate not trusted)"
        case .authentication: "\(broker) did not accept the SASL authentication (the mechanism, or the user name and password)"
        case .other: "\(broker) failed (librdkafka's text says how)"
        }
    }

    private var host: Substring {
        broker.lastIndex(of: ":").map { broker[..<$0] } ?? Substring(broker)
    }
}

extension KafkaError {
    /// No broker could be reached within `waited`: which ones, and why as far as librdkafka's log told.
    /// - Parameters:
    ///   - failures: the latest connection failure of each broker that logged one.
    ///   - librdkafkaText: what the call that gave up returned, kept as the detail after the failures' own texts.
    package static func brokersUnreachable(
        brokers: String, waited: Duration, failures: [BrokerConnectionFailure], rdKafkaCode: Int32, librdkafkaText: String,
        file: String = #fileID, line: Int = #line
    ) -> KafkaError {
        let tried = ReadableDuration.text(milliseconds: max(1, Int64((waited / .seconds(1)).rounded())) * 1_000)
        let causes = failures.isEmpty ? ["nothing came back (the connection hangs, or the port takes it and says nothing)"] : failures.map(\.summary)
        return KafkaError(
            .brokersUnreachable, rdKafkaCode: rdKafkaCode,
            message: "no Kafka broker answered at \(brokers) (tried for \(tried)): \(causes.joined(separator: "; "))",
            detail: (failures.map(\.detail) + [librdkafkaText]).joined(separator: "; "), brokerFailures: failures, file: file, line: line
        )
    }
}
