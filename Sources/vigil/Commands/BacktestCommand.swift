import ArgumentParser
import Glibc
import Logging
import VigilEngine
import VigilKafka
import VigilRules

/// `vigil backtest`: a rule set over recorded events, from a file or from the input topic itself.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Evaluate a rule set over recorded events (JSON Lines, .gz too, or a Kafka topic) and report what it would raise.",
        discussion: """
            Events are read by one engine with fresh windows: from --input in file order, one JSON event per \
            line; or from --topic on --brokers, every partition from --from up to where it ended when the \
            backtest began, merged by message timestamp. Nothing is committed or written to Kafka. With \
            --compare, a second rule set reads the same events and the report lists the alerts (by alert id, \
            rule and key) the change adds and removes.
            """
    )

    @Option(help: "Directory of rule files.")
    var rules = "rules"

    @Option(help: "Recorded events, one JSON object per line; gzip-compressed when the name ends in .gz.")
    var input: String?

    @Option(help: "A topic of events to read instead of --input (with --brokers), e.g. the input topic.")
    var topic: String?

    @OptionGroup var kafka: OptionalKafkaOptions

    @Option(help: "With --topic, the oldest events read: beginning, an RFC 3339 time, or a duration ago such as 24h.")
    var from = "beginning"

    @Option(help: "A second rules directory to compare against --rules over the same events.")
    var compare: String?

    @Option(help: "Events later than this behind the newest event time are counted as late.")
    var allowedLateness = HumanDuration(argument: "10m")!

    @Option(help: "With --topic, events whose time is further than this ahead of their message's timestamp are counted as ahead, as `vigil run --max-event-time-ahead` sets them aside.")
    var maxEventTimeAhead: HumanDuration?

    @Option(help: "Keys shown per rule.")
    var topKeys = 3

    @Option(help: "Example alerts shown with their explanations (the first of each rule).")
    var examples = 3

    @Option(help: "Additions and removals listed per rule with --compare.")
    var listedChanges = 20

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (input == nil) != (topic == nil) else { throw ValidationError("give either --input FILE or --topic TOPIC with --brokers") }
        if topic != nil, kafka.brokers == nil { throw ValidationError("--topic needs --brokers") }
        if input != nil, kafka.brokers != nil { throw ValidationError("--brokers reads --topic; --input reads a file") }
        if let ahead = maxEventTimeAhead {
            guard topic != nil else { throw ValidationError("--max-event-time-ahead needs --topic: lines of a file carry no message timestamp") }
            guard ahead.milliseconds < allowedLateness.milliseconds else {
                throw ValidationError("--max-event-time-ahead must be shorter than --allowed-lateness (\(allowedLateness.defaultValueDescription))")
            }
        }
        guard let start = AlertStart(argument: from), start != .latest else {
            throw ValidationError("--from takes beginning, an RFC 3339 time or a duration such as 24h, got '\(from)'")
        }
    }

    func run() throws {
        let plan = try RuleLoading.compile(directory: rules)
        let other = try compare.map { try RuleLoading.compile(directory: $0) }
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = allowedLateness.milliseconds
        options.maximumTimeAheadMilliseconds = maxEventTimeAhead?.milliseconds
        var base = BacktestTally(plan: plan, options: options, keepsIdentities: other != nil, exampleLimit: examples)
        var changed = other.map { BacktestTally(plan: $0, options: options, keepsIdentities: true, exampleLimit: examples) }
        let elapsed: Duration
        let source: BacktestInput
        if let topic {
            let history: TopicHistory
            do { history = try openHistory(topic) } catch let error as KafkaError where error.code == .brokersUnreachable {
                throw UnreachableBrokers.exit(explaining: error)
            }
            // Alerts cite the partition and offset their event was read at.
            elapsed = try replay(into: &base, and: &changed, fraction: { Double($0) / Double(max(history.total, 1)) }) { feed in
                try history.forEach {
                    feed($0.value, EventSource(topic: $0.topic, partition: $0.partition, offset: $0.offset), $0.timestampMilliseconds)
                }
            }
            source = .topic(name: topic, from: from == "beginning" ? nil : from)
        } else {
            let path = input ?? ""
            let file: EventFile
            do { file = try EventFile(path: path, writing: false) } catch {
                printToStandardError("error: \(error)")
                throw ExitCode(2)
            }
            let size = Self.storedSize(of: path)
            var line: Int64 = 0
            // Alerts cite the line their event was read from.
            elapsed = try replay(into: &base, and: &changed, fraction: { _ in Double(file.storedOffset) / Double(max(size, 1)) }) { feed in
                try file.forEachLine { bytes in
                    line += 1
                    feed(bytes, EventSource(topic: path, partition: 0, offset: line), nil)
                }
            }
            source = .file(path: path)
        }
        let report = BacktestReport(input: source, base: base, changed: changed, elapsed: elapsed, topKeys: topKeys, listedChanges: listedChanges)
        print(json ? report.json : report.text)
    }

    /// A reader of `topic` from `--from`. Its log lines go to standard error, so that the report
    /// on standard output stays clean.
    private func openHistory(_ topic: String) throws -> TopicHistory {
        guard let kafkaConfiguration = try kafka.configuration() else { throw ValidationError("--topic needs --brokers") }
        let logger = logging.makeLogger(label: "vigil")
        let configuration = ConsumerConfiguration(kafka: kafkaConfiguration, groupID: "vigil-backtest-\(getpid())-\(EpochClock.nowMilliseconds())")
        let earliest: Int64? = if case .time(let time) = AlertStart(argument: from) { time } else { nil }
        return try TopicHistory(configuration: configuration, topic: topic, from: earliest, logger: logger)
    }

    /// Feeds every event `read` hands over to both tallies, with a progress bar on standard error.
    /// - Parameter fraction: how far through its input reading is, after so many events.
    private func replay(
        into base: inout BacktestTally, and changed: inout BacktestTally?, fraction: @escaping (Int64) -> Double,
        _ read: ((UnsafeRawBufferPointer, EventSource, Int64?) -> Void) throws -> Void
    ) throws -> Duration {
        var progress = ProgressLine()
        var events: Int64 = 0
        let now = EpochClock.nowMilliseconds()
        try read { bytes, source, messageTime in
            events += 1
            base.process(bytes, source: source, messageTime: messageTime, now: now)
            changed?.process(bytes, source: source, messageTime: messageTime, now: now)
            guard events & 0xFFF == 0 else { return }
            progress.update { Self.progressText(events: events, elapsed: $0, fraction: fraction(events)) }
        }
        let elapsed = progress.elapsed
        progress.finish(Self.progressText(events: events, elapsed: elapsed, fraction: 1))
        return elapsed
    }

    private static func progressText(events: Int64, elapsed: Duration, fraction: Double) -> String {
        let rate = Double(events) / max(ProgressLine.seconds(elapsed), 0.001)
        return "\(ProgressLine.bar(fraction)) \(Int(fraction * 100))%  \(ProgressLine.count(Double(events))) events  \(ProgressLine.count(rate)) events/s"
    }

    private static func storedSize(of path: String) -> Int64 {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : 0
    }
}
