import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals
import VigilEngine
import VigilHTTP
import VigilKafka
import VigilPipeline
import VigilRules

/// `vigil run`: one replica of the consumer group, until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume payments from Kafka, evaluate the rules, publish alerts."
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var ops: OpsOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup(title: "Traffic assumed by --state-budget") var capacity: CapacityOptions
    @Option(help: "Refuse, at start and on every reload, a rule set whose estimated window state per replica exceeds this, e.g. 4GiB; the running set stays in force. Unset: no limit.")
    var stateBudget: String?

    func validate() throws {
        if let stateBudget { _ = try capacity.assumptions(budget: stateBudget, deduplication: pipeline.deduplication) }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "vigil")
        let registry = MetricsBootstrap.makeRegistry()
        MetricsBootstrap.bootstrap(registry, help: PipelineMetricHelp.texts)
        let plan = try RuleLoading.compile(directory: pipeline.rules, logger: logger)
        let kafkaConfiguration = try kafka.kafkaConfiguration()
        var configuration = PipelineConfiguration(
            consumer: ConsumerConfiguration(kafka: kafkaConfiguration, groupID: pipeline.group),
            producer: ProducerConfiguration(kafka: kafkaConfiguration),
            inputTopic: pipeline.input,
            alertTopic: pipeline.alerts,
            shadowAlertTopic: pipeline.shadowAlerts,
            deadLetterTopic: pipeline.deadLetter
        )
        pipeline.apply(to: &configuration)
        if let stateBudget {
            let assumptions = try capacity.assumptions(budget: stateBudget, deduplication: pipeline.deduplication)
            let directory = pipeline.rules
            configuration.refusal = { plan in StateEstimate(plan: plan, assumptions: assumptions).budgetProblem(in: plan, directory: directory) }
        }
        let service: Pipeline
        do {
            service = try Pipeline(configuration: configuration, plan: plan, logger: logger)
        } catch {
            printToStandardError(error.rendered)
            throw ExitCode(2)
        }
        // Checked before anything joins the group: a busy port must not leave a member behind.
        let server = try ops.configuration()
        let reloader = RuleReloader(directory: pipeline.rules, pipeline: service, currentVersion: plan.version, logger: logger)
        var services: [any Service] = [service, reloader]
        if let server {
            // First in the group, so it is shut down last and keeps answering while the pipeline drains.
            let health = PipelineHealth(pipeline: service)
            let admin = PipelineRuleAdmin(pipeline: service, reloader: reloader)
            services.insert(OpsServer(configuration: server, health: health, admin: admin, metrics: registry, logger: logger), at: 0)
        }
        try await ServiceRunner.runUntilSignalled(services, logger: logger)
    }
}

/// Runs services in one group that shuts down gracefully on SIGTERM or SIGINT.
enum ServiceRunner {
    /// The shutdown path must finish within Kubernetes' grace period; past this the group cancels.
    static let maximumShutdown = Duration.seconds(9)
    static let shutdownSignals: [UnixSignal] = [.sigterm, .sigint]

    /// - Throws: `UnreachableBrokers.exitCode`, after saying why, when no Kafka broker answered.
    static func runUntilSignalled(_ services: [any Service], logger: Logger) async throws {
        do {
            try await runGroup(services, logger: logger)
        } catch let error as KafkaError where error.code == .brokersUnreachable {
            throw UnreachableBrokers.exit(explaining: error)
        }
    }

    private static func runGroup(_ services: [any Service], logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: shutdownSignals,
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = maximumShutdown
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await announceShutdownSignal(logger: logger) }
            try await ServiceGroup(configuration: configuration).run()
            tasks.cancelAll()
        }
    }

    /// The service group notes a shutdown signal at debug level only; an operator reading the log
    /// at info must see why a replica stops, and that its stopping has begun.
    private static func announceShutdownSignal(logger: Logger) async {
        for await signal in await UnixSignalsSequence(trapping: shutdownSignals) {
            logger.info("\(signal) received: stopping")
            return
        }
    }
}
