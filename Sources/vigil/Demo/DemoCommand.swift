import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import VigilKafka
import VigilPipeline
import VigilRules
import VigilTraffic

/// `vigil demo`: the whole path on an embedded Kafka-protocol broker, in one command.
///
/// Starts librdkafka's mock cluster on loopback, creates the topics, feeds synthetic payments with
/// planted fraud, runs the pipeline as a consumer-group member, prints alerts as they arrive on the
/// alert topic, and ends with a summary. Other Kafka clients can join the same broker meanwhile.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Vigil end to end on an embedded Kafka broker with synthetic traffic."
    )

    @Option(help: "Directory of rule files.")
    var rules = "rules"

    @Option(help: "Payment events to send.")
    var events = 20_000

    @Option(help: "Events sent per second.")
    var rate = 5_000

    @Option(help: "Seed of the synthetic traffic.")
    var seed: UInt64 = 42

    @Option(help: "Partitions of the input topic.")
    var partitions = 6

    @Flag(help: "Keep sending traffic until Ctrl-C instead of stopping after --events.")
    var keepRunning = false

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger(label: "vigil")
        let plan = try RuleLoading.compile(directory: rules, logger: logger)
        let cluster = try MockCluster(brokers: 1, logger: logger)
        let topics = DemoTopics()
        try topics.create(on: cluster, inputPartitions: partitions)
        let brokers = cluster.bootstrapServers
        // The executable as it was started (`scripts/demo` runs the release build), to paste as is.
        let vigil = CommandLine.arguments.first ?? "vigil"
        printToStandardError(
            Style.bold("Embedded Kafka broker at \(brokers)")
                + " (from another terminal: \(vigil) tail --brokers \(brokers) --explain; \(vigil) dead-letters --brokers \(brokers))")

        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var configuration = PipelineConfiguration(
            consumer: .demo(kafka, group: "vigil"),
            producer: ProducerConfiguration(kafka: kafka),
            inputTopic: topics.input, alertTopic: topics.alerts,
            shadowAlertTopic: topics.shadowAlerts, deadLetterTopic: topics.deadLetters
        )
        configuration.producer.lingerMilliseconds = 2
        let pipeline = try Pipeline(configuration: configuration, plan: plan, logger: logger)
        // Rules keyed by account or device run on repartition topics, as wide as the input.
        for stage in pipeline.topology.repartitionStages {
            try cluster.createTopic(stage.topic, partitions: partitions)
        }
        if let snapshotTopic = configuration.snapshotTopic { try cluster.createTopic(snapshotTopic, partitions: partitions) }
        let follower = AlertFollower(
            consumer: .demo(kafka, group: "vigil-demo-tail"), topics: [topics.alerts, topics.shadowAlerts], logger: logger
        )
        var traffic = PaymentTraffic.Configuration()
        traffic.seed = seed
        traffic.eventCount = events
        let feeder = TrafficFeeder(
            producer: ProducerConfiguration(kafka: kafka), topic: topics.input, traffic: traffic,
            eventsPerSecond: rate, repeatsForever: keepRunning, logger: logger
        )
        let conductor = DemoConductor(pipeline: pipeline, feeder: feeder, follower: follower, stopsWhenDone: !keepRunning)
        let reloader = RuleReloader(directory: rules, pipeline: pipeline, currentVersion: plan.version, logger: logger)
        let started = ContinuousClock.now
        try await ServiceRunner.runUntilSignalled([follower, pipeline, reloader, feeder, conductor], logger: logger)
        DemoSummary(pipeline: pipeline.status.snapshot, feeder: feeder, follower: follower, elapsed: ContinuousClock.now - started).print()
        if pipeline.status.snapshot.phase == .failed { throw ExitCode.failure }
    }
}

/// The demo's topic names, created on the embedded broker before anything connects.
struct DemoTopics {
    let input = "payments"
    let alerts = "alerts"
    let shadowAlerts = "alerts.shadow"
    let deadLetters = "payments.dead-letter"

    func create(on cluster: MockCluster, inputPartitions: Int) throws {
        try cluster.createTopic(input, partitions: inputPartitions)
        try cluster.createTopic(alerts, partitions: 3)
        try cluster.createTopic(shadowAlerts, partitions: 3)
        try cluster.createTopic(deadLetters, partitions: 3)
    }
}

extension ConsumerConfiguration {
    /// Settings for the embedded broker: short session timeout and fetch wait, so joins and alerts are prompt.
    static func demo(_ kafka: KafkaConfiguration, group: String) -> ConsumerConfiguration {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: group)
        configuration.sessionTimeoutMilliseconds = 6000
        configuration.fetchWaitMaxMilliseconds = 10
        return configuration
    }
}
