import VigilKafka

/// The librdkafka settings a run uses for every client: feeder, Vigil, ceilings and the alert reader.
///
/// Throughput runs use Vigil's defaults. Latency runs use what a latency-sensitive deployment
/// would. The mock broker holds an empty fetch for the whole `fetch.wait.max.ms`, and an alert of
/// a repartitioned rule takes three hops; going from 10 ms to 1 ms cut the produce-to-alert median
/// at 2,000 events/s from 19.9 to 11.7 ms. A Kafka broker answers a waiting fetch as soon as data
/// arrives, so there a short wait only costs more empty fetches. `linger.ms=1` keeps producer
/// batches from being one message each.
struct KafkaSettings: Sendable, CustomStringConvertible {
    let fetchWaitMaxMilliseconds: Int
    let lingerMilliseconds: Int

    /// Vigil's defaults (`ConsumerConfiguration`, `ProducerConfiguration`).
    static let throughput = KafkaSettings(fetchWaitMaxMilliseconds: 100, lingerMilliseconds: 5)
    static let latency = KafkaSettings(fetchWaitMaxMilliseconds: 1, lingerMilliseconds: 1)

    var description: String { "fetch.wait.max.ms=\(fetchWaitMaxMilliseconds), linger.ms=\(lingerMilliseconds)" }

    func consumer(_ cluster: LoopbackCluster, group: String) -> ConsumerConfiguration {
        var configuration = ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: group)
        // The mock's rebalances wait for about the session timeout: keep them to seconds.
        configuration.sessionTimeoutMilliseconds = 6000
        configuration.fetchWaitMaxMilliseconds = fetchWaitMaxMilliseconds
        return configuration
    }

    func producer(_ cluster: LoopbackCluster) -> ProducerConfiguration {
        var configuration = ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        configuration.lingerMilliseconds = lingerMilliseconds
        return configuration
    }
}
