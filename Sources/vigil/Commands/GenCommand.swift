import ArgumentParser
import Logging
import Synchronization
import VigilKafka
import VigilPipeline
import VigilTraffic
import VigilValues

/// `vigil gen`: seeded synthetic payments with planted fraud, into a topic or a JSON Lines file.
struct GenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Generate synthetic payment traffic with planted fraud, to Kafka or a JSON Lines file.",
        discussion: """
            Scenarios (--mix NAME=RATE,..., instances per 10,000 slots; a slot is one ordinary payment or one \
            whole planted instance; names not listed are not planted; --mix none sends ordinary payments only):
              card-testing       8 small payments on a fresh card, 2 s apart
              account-takeover   (ato) one account paying from 4 devices, 30 s apart
              large-amount       one payment of 25000.00
              impossible-travel  (travel) one card in 3 countries within 4 minutes
              malformed          a message that is not a valid event
            The same --seed, --mix, --start and --count give the same messages, byte for byte.
            """
    )

    @OptionGroup var kafka: OptionalKafkaOptions

    @Option(help: "Topic to send to (with --brokers).")
    var topic = "payments"

    @Option(help: "JSON Lines file to write instead of Kafka; gzip-compressed when the name ends in .gz.")
    var output: String?

    @Option(help: "Events per second (default: 1000 to Kafka, unpaced to a file; 0 for unpaced).")
    var rate: Int?

    @Option(help: "Stop after this many events.")
    var count: Int?

    @Option(help: "Stop after this long, e.g. 30s or 10m (default: until --count, or Ctrl-C).")
    var duration: HumanDuration?

    @Option(help: "Seed of the traffic.")
    var seed: UInt64 = 42

    @Option(help: "Planted scenarios per 10,000 slots.")
    var mix = ScenarioMix.standard

    @Option(help: "Event time of the first payment: RFC 3339, or 'now'.")
    var start = "2027-01-01T00:00:00Z"

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (output == nil) != (kafka.brokers == nil) else { throw ValidationError("give either --output FILE or --brokers") }
        if let count, count < 0 { throw ValidationError("--count must not be negative") }
        guard startTime != nil else { throw ValidationError("--start takes an RFC 3339 time or 'now', got '\(start)'") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "vigil")
        let generator = TrafficGenerator(
            traffic: trafficConfiguration, eventsPerSecond: rate ?? (output == nil ? 1000 : 0),
            duration: duration.map { .milliseconds($0.milliseconds) }, destination: output ?? topic,
            makeSink: { try makeSink(logger: logger) }
        )
        try await ServiceRunner.runUntilSignalled([generator], logger: logger)
        guard let report = generator.report.withLock({ $0 }) else { throw ExitCode.failure }
        print(report)
    }

    private var trafficConfiguration: PaymentTraffic.Configuration {
        var configuration = PaymentTraffic.Configuration()
        configuration.seed = seed
        configuration.eventCount = count ?? Int.max
        configuration.startTime = startTime ?? configuration.startTime
        configuration.scenarios = mix
        return configuration
    }

    private var startTime: Int64? {
        start == "now" ? EpochClock.nowMilliseconds() : RFC3339.parseMilliseconds(start.utf8)
    }

    private func makeSink(logger: Logger) throws -> any TrafficSink {
        if let output { return FileSink(file: try EventFile(path: output, writing: true)) }
        guard let configuration = try kafka.configuration() else { throw ValidationError("--brokers is required") }
        var producer = ProducerConfiguration(kafka: configuration)
        producer.lingerMilliseconds = 5
        return try KafkaSink(configuration: producer, topic: topic, logger: logger)
    }
}
