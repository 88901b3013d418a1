/// A seeded, high-cardinality payment workload for measuring the engine.
///
/// Unlike ``PaymentTraffic``, which plants a few fraud patterns among ordinary payments for demos
/// and tests, this models what makes the hot path expensive: many keys (Zipf-skewed cards, a
/// large account population), realistic message sizes, and a share of events that arrive out of
/// event-time order. The same seed gives the same bytes on every machine.
package struct BenchmarkTraffic: Sendable {
    package struct Configuration: Sendable {
        package var seed: UInt64 = 7
        package var eventCount = 1_000_000
        package var startTime: Int64 = 1_798_761_600_000  // 2027-01-01T00:00:00Z
        /// Event-time distance between consecutive events: 50 payments a second, 4.3 million a day.
        package var spacingMilliseconds: Int64 = 20
        package var cards = 200_000
        package var accounts = 100_000
        package var devices = 150_000
        package var merchants = 20_000
        /// The skew of card and merchant popularity.
        package var zipfExponent = 1.0
        /// Flattens the head of the popularity curve: the busiest card sees about 0.02 % of payments.
        package var zipfOffset = 1_000.0
        /// Share of events whose time lies behind the newest time already produced.
        package var outOfOrderShare = 0.02
        /// How far behind an out-of-order event may lie.
        package var maximumDisorderMilliseconds: Int64 = 5_000

        package init() {}
    }

    package let configuration: Configuration

    package init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Every message, concatenated into one buffer so a benchmark walks memory the way a Kafka batch does.
    package func makeBatch() -> TrafficBatch {
        var generator = BenchmarkEventGenerator(configuration: configuration)
        var batch = TrafficBatch()
        batch.bytes.reserveCapacity(configuration.eventCount * 310)
        batch.ends.reserveCapacity(configuration.eventCount)
        for _ in 0..<configuration.eventCount {
            generator.appendEvent(to: &batch.bytes)
            batch.ends.append(batch.bytes.count)
        }
        return batch
    }
}

/// Messages stored back to back: message `i` is `bytes[ends[i - 1]..<ends[i]]` (from 0 for the first).
package struct TrafficBatch: Sendable {
    package var bytes: [UInt8] = []
    package var ends: [Int] = []

    package var count: Int { ends.count }

    /// Byte offsets of message `index`.
    package func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }
}
