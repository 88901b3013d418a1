import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import VigilKafka
import VigilPipeline

/// `vigil dead-letters`: what the dead-letter topic holds, and why, without a Kafka tool that
/// prints raw payloads (card numbers included) and hides the reason in headers.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Show the dead-letter topic: why each message was set aside, where it was read, and its payload with card numbers masked.",
        discussion: """
            Reads what the topic held when the command started, from --from on, every partition merged by \
            message timestamp, then prints a count per reason on standard error and exits; with --follow it \
            goes on showing new dead letters until Ctrl-C. Nothing is committed. Card numbers (13 to 19 \
            digits passing the Luhn check) are masked in payloads and details; an investigation that needs \
            the raw bytes reads the topic with its own, audited access.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The dead-letter topic.")
    var topic = "payments.dead-letter"

    @Option(name: .customLong("reason"), help: "Only dead letters of this reason (repeatable), e.g. invalid_json or future_event.")
    var reasons: [String] = []

    @Option(help: "The oldest shown: beginning, an RFC 3339 time, or a duration ago such as 1h.")
    var from = "beginning"

    @Option(help: "Show at most this many, oldest first (all are still counted); with --follow, exit after showing them.")
    var limit: Int?

    @Flag(help: "After what the topic holds, go on showing dead letters as they arrive, until Ctrl-C.")
    var follow = false

    @Flag(help: "Print each dead letter as one JSON object per line.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard let start = AlertStart(argument: from), start != .latest else {
            throw ValidationError("--from takes beginning, an RFC 3339 time or a duration such as 1h, got '\(from)'")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "vigil")
        let configuration = ConsumerConfiguration(
            kafka: try kafka.kafkaConfiguration(), groupID: "vigil-dead-letters-\(getpid())-\(EpochClock.nowMilliseconds())")
        let start = AlertStart(argument: from) ?? .beginning
        var shelf = DeadLetterShelf(reasons: Set(reasons), limit: limit, json: json, topic: topic, from: from)
        if !json { print(Style.bold(DeadLetterLine.header)) }
        guard !follow else {
            let follower = DeadLetterFollower(consumer: configuration, topic: topic, start: start, shelf: shelf, logger: logger)
            try await ServiceRunner.runUntilSignalled([follower], logger: logger)
            return
        }
        let earliest: Int64? = if case .time(let time) = start { time } else { nil }
        let history: TopicHistory
        do {
            history = try TopicHistory(configuration: configuration, topic: topic, from: earliest, logger: logger)
        } catch let error as KafkaError where error.code == .brokersUnreachable {
            throw UnreachableBrokers.exit(explaining: error)
        }
        try history.forEach { _ = shelf.show($0) }
        printToStandardError(shelf.summary)
    }
}

/// What `vigil dead-letters` has read: the dead letters shown, and the count per reason of all
/// those its filter admits.
struct DeadLetterShelf: Sendable {
    let reasons: Set<String>
    let limit: Int?
    let json: Bool
    /// The topic and the `--from` text, for the summary.
    let topic: String
    let from: String
    private(set) var countByReason: [String: Int] = [:]
    private(set) var shown = 0

    /// Counts `message` and prints it unless the limit is reached.
    /// - Returns: whether the limit leaves room for more.
    mutating func show(_ message: KafkaMessage) -> Bool {
        let line = DeadLetterLine(message: message)
        guard reasons.isEmpty || reasons.contains(line.reason) else { return true }
        countByReason[line.reason, default: 0] += 1
        guard limit.map({ shown < $0 }) ?? true else { return false }
        print(json ? line.json : line.rendered)
        fflush(nil)
        shown += 1
        return limit.map { shown < $0 } ?? true
    }

    /// `vigil dead-letters: 12 on payments.dead-letter since the beginning (11 shown): invalid_json 10, future_event 2`.
    var summary: String {
        let total = countByReason.values.reduce(0, +)
        let since = from == "beginning" ? "since the beginning" : "since \(from)"
        let shownNote = shown < total ? " (\(shown) shown)" : ""
        let reasons = countByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key.terminalSafe) \($0.value)" }
        return "vigil dead-letters: \(total) on \(topic) \(since)\(shownNote)" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", "))
    }
}

/// `vigil dead-letters --follow`'s reading loop, on a thread of its own until the limit or a
/// signal, then the summary. Partitions are read as they deliver, not merged by timestamp as
/// without `--follow`.
struct DeadLetterFollower: Service {
    let consumer: ConsumerConfiguration
    let topic: String
    let start: AlertStart
    let shelf: DeadLetterShelf
    let logger: Logger

    func run() async throws {
        try await DedicatedThread.run(label: "vigil.dead-letters") { signal in try follow(until: signal) }
    }

    private func follow(until signal: StopSignal) throws {
        let reader = try AlertTopicReader(configuration: consumer, commitsProgress: false, logger: logger)
        try reader.start(topics: [topic], from: start)
        var shelf = self.shelf
        try reader.read(until: signal) { shelf.show($0) }
        printToStandardError(shelf.summary)
    }
}
