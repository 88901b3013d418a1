package import Logging
package import VigilKafka

extension Logger {
    /// A logger that prints warnings and worse, for tests.
    package static var quiet: Logger {
        var logger = Logger(label: "vigil.test")
        logger.logLevel = .warning
        return logger
    }
}

extension ProducerConfiguration {
    /// A producer for the mock cluster.
    package static func test(_ cluster: MockCluster) -> ProducerConfiguration {
        var configuration = ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        configuration.lingerMilliseconds = 1
        return configuration
    }
}

extension ConsumerConfiguration {
    /// A consumer for the mock cluster, with the short session timeout that keeps the mock's
    /// rebalances to seconds rather than the 45 s it waits by default.
    package static func test(_ cluster: MockCluster, group: String) -> ConsumerConfiguration {
        var configuration = ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: group)
        configuration.sessionTimeoutMilliseconds = 6000
        configuration.fetchWaitMaxMilliseconds = 10
        return configuration
    }
}
