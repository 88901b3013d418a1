import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import VigilKafka
import VigilPipeline
import VigilRules
import VigilValues

/// `vigil tail`: the alert topic, live, as a table or as JSON lines.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show alerts as they are published, as a table or as JSON lines.",
        discussion: """
            Reads every partition of the alert topic directly (transactional alerts only once committed) and \
            commits nothing, unless --group is given: then it resumes where that group last stopped and \
            commits what it has shown. Standard error says once what it waits on; standard output holds the \
            alerts only. Ctrl-C ends it.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The alert topic.")
    var topic = "alerts"

    @Flag(help: "Read the shadow alerts, <topic>.shadow, instead.")
    var shadow = false

    @Option(name: .customLong("rule"), help: "Only alerts of this rule (repeatable).")
    var rules: [String] = []

    @Option(help: "Only alerts of at least this severity: info, low, medium, high, critical.")
    var severity: Severity?

    @Option(help: "Only alerts about this key: the message key or any key value, e.g. a card id.")
    var key: String?

    @Option(help: "Where to start: beginning, latest, an RFC 3339 time, or a duration ago such as 15m.")
    var from = "latest"

    @Option(help: "Exit after showing this many alerts.")
    var limit: Int?

    @Option(help: "Consumer group that remembers what was shown (default: none; nothing is committed).")
    var group: String?

    @Flag(help: "Print each alert as its JSON line, unchanged.")
    var json = false

    @Flag(help: "Under each row, say why the alert fired: each comparison, aggregate and window, the rule-set version, cooldown and source.")
    var explain = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard start != nil else { throw ValidationError("--from takes beginning, latest, an RFC 3339 time or a duration such as 15m, got '\(from)'") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if json, explain { throw ValidationError("--explain adds lines under the table's rows; --json prints the alerts unchanged, explanation included") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "vigil")
        var consumer = ConsumerConfiguration(kafka: try kafka.kafkaConfiguration(), groupID: group ?? "vigil-tail-\(getpid())-\(EpochClock.nowMilliseconds())")
        consumer.fetchWaitMaxMilliseconds = 100
        let follower = AlertTail(
            consumer: consumer, commitsProgress: group != nil, topic: shadow ? "\(topic).shadow" : topic, start: start ?? .latest,
            filter: AlertFilter(rules: Set(rules), minimumSeverity: severity, key: key), limit: limit, output: json ? .json : explain ? .explained : .rows, logger: logger
        )
        try await ServiceRunner.runUntilSignalled([follower], logger: logger)
    }

    private var start: AlertStart? { AlertStart(argument: from) }
}

/// `vigil tail`'s reading loop, on a thread of its own until the limit or a signal.
struct AlertTail: Service {
    let consumer: ConsumerConfiguration
    let commitsProgress: Bool
    let topic: String
    let start: AlertStart
    let filter: AlertFilter
    let limit: Int?
    let output: Output
    let logger: Logger

    enum Output {
        /// One aligned row per alert.
        case rows
        /// Each row with why the alert fired under it, and a blank line between alerts.
        case explained
        /// Each alert's JSON line, unchanged.
        case json
    }

    func run() async throws {
        try await DedicatedThread.run(label: "vigil.tail") { signal in try follow(until: signal) }
    }

    private func follow(until signal: StopSignal) throws {
        let reader = try AlertTopicReader(configuration: consumer, commitsProgress: commitsProgress, logger: logger)
        let partitions = try reader.start(topics: [topic], from: start)
        printToStandardError(waitingNote(partitions: partitions.count, brokers: reader.brokers))
        if output != .json { print(Style.bold(AlertLine.header)) }
        fflush(nil)
        var shown = 0
        var recent = RecentAlertIDs(capacity: Self.rememberedIDs)
        var repeats = 0
        var notAlerts = 0
        try reader.read(until: signal) { message in
            let bytes = Array(message.value)
            guard let line = AlertLine(json: bytes) else {
                notAlerts += 1
                if notAlerts == 1 {
                    printToStandardError(
                        "vigil tail: \(message.topicPartition) offset \(message.offset) is not an alert (a JSON object "
                            + "with alert_id and rule_id); messages that are not alerts are skipped and counted")
                }
                return true
            }
            guard filter.admits(line, messageKey: message.key.map { String(decoding: $0, as: UTF8.self) }) else { return true }
            guard recent.insert(line.alertID) else {
                repeats += 1
                return true
            }
            switch output {
            case .rows: print(line.rendered)
            case .explained: print(line.explained + "\n")
            case .json: print(String(decoding: bytes, as: UTF8.self).jsonTerminalSafe)
            }
            fflush(nil)
            shown += 1
            return limit.map { shown < $0 } ?? true
        }
        if repeats > 0 {
            printToStandardError("vigil tail: \(repeats) alert\(repeats == 1 ? "" : "s") published again (same alert_id) not shown twice")
        }
        if notAlerts > 0 {
            printToStandardError("vigil tail: \(notAlerts) message\(notAlerts == 1 ? "" : "s") that \(notAlerts == 1 ? "is" : "are") not alerts skipped")
        }
    }

    /// What tail waits on and how it ends, said once when reading starts, so that a quiet topic is
    /// not taken for a hung command. Like every note of tail it goes to standard error, so that
    /// standard output holds the alerts only, for a pipe or a file. It is said also when standard
    /// error is not a terminal: in a container's log (`docker compose logs tail`, `kubectl logs`)
    /// it is the only sign that tail reached its topic and is waiting, and it is one line.
    func waitingNote(partitions: Int, brokers: String) -> String {
        let scope = [startDescription] + filter.descriptions
        let end = limit.map { "stops after \($0) alert\($0 == 1 ? "" : "s") or Ctrl-C" } ?? "Ctrl-C to stop"
        return "vigil tail: waiting for alerts on \(topic) (\(partitions) partition\(partitions == 1 ? "" : "s")) at \(brokers), "
            + "\(scope.joined(separator: ", ")); \(end)"
    }

    private var startDescription: String {
        let position: String
        switch start {
        case .beginning: position = "from the beginning"
        case .latest: position = "new alerts only"
        case .time(let time): position = "published since \(RFC3339.format(milliseconds: time))"
        }
        return commitsProgress ? "from where group \(consumer.groupID) stopped, else \(position)" : position
    }

    /// Alert ids remembered to show a republished alert once (see ``RecentAlertIDs``).
    static let rememberedIDs = 100_000
}
