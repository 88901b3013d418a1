/// Synthetic payment traffic: ordinary payments with fraud planted at known places.
///
/// Deterministic for a seed, so a demo, a test and a benchmark can all say in advance which
/// alerts the starter rules must raise. Event times advance from `startTime` by `spacing` per
/// ordinary event; each message is one JSON object of the event contract.
package struct PaymentTraffic: Sequence, Sendable {
    package struct Configuration: Sendable {
        package var seed: UInt64 = 42
        package var eventCount = 20_000
        package var startTime: Int64 = 1_798_761_600_000  // 2027-01-01T00:00:00Z
        /// Event-time distance between consecutive ordinary events.
        package var spacingMilliseconds: Int64 = 50
        package var cards = 20_000
        /// One card-testing burst, one oversized amount and one malformed message per this many events.
        package var fraudEvery = 2_500
        /// When set, fraud is drawn at random by these rates instead of at `fraudEvery`'s fixed places.
        package var scenarios: ScenarioMix?

        package init() {}
    }

    package let configuration: Configuration

    package init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    package func makeIterator() -> PaymentTrafficIterator {
        PaymentTrafficIterator(configuration: configuration)
    }
}

/// One message of synthetic traffic and what it was generated as.
package struct TrafficMessage: Sendable {
    package enum Kind: String, Sendable {
        case normal
        case cardTesting = "card_testing"
        case largeAmount = "large_amount"
        case malformed
        case accountTakeover = "account_takeover"
        case impossibleTravel = "impossible_travel"
    }

    package let kind: Kind
    /// The Kafka message key (the card id), when the message has one.
    package let key: String?
    package let value: [UInt8]
}
