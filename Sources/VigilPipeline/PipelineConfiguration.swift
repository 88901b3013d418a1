package import VigilEngine
package import VigilKafka

/// Everything a pipeline needs besides its rules.
package struct PipelineConfiguration: Sendable {
    package var consumer: ConsumerConfiguration
    package var producer: ProducerConfiguration
    package var inputTopic: String
    package var alertTopic: String
    /// Alerts of rules in `mode: shadow` go here, never to `alertTopic`.
    package var shadowAlertTopic: String
    package var deadLetterTopic: String
    package var engine = EngineOptions()
    package var badInput = BadInputGuard.Limits()
    /// Messages evaluated between two commits at most.
    package var batchSize = 2000
    package var pollTimeout = Duration.milliseconds(100)
    /// How long closing the consumer (leaving the group) may take at shutdown.
    package var closeTimeout = Duration.seconds(5)

    package init(
        consumer: ConsumerConfiguration,
        producer: ProducerConfiguration,
        inputTopic: String,
        alertTopic: String,
        shadowAlertTopic: String? = nil,
        deadLetterTopic: String? = nil
    ) {
        self.consumer = consumer
        self.producer = producer
        self.inputTopic = inputTopic
        self.alertTopic = alertTopic
        self.shadowAlertTopic = shadowAlertTopic ?? "\(alertTopic).shadow"
        self.deadLetterTopic = deadLetterTopic ?? "\(inputTopic).dead-letter"
    }
}
