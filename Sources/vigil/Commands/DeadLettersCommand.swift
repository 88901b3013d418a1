import ArgumentParser
import Glibc
import VigilKafka

/// `vigil dead-letters`: what the dead-letter topic holds, and why, without a Kafka tool that
/// prints raw payloads (card numbers included) and hides the reason in headers.
struct DeadLettersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Show the dead-letter topic: why each message was set aside, where it was read, and its payload with card numbers masked.",
        discussion: """
            Reads what the topic held when the command started, from --from on, every partition merged by \
            message timestamp, then prints a count per reason on standard error and exits. Nothing is \
            committed. Card numbers (13 to 19 digits passing the Luhn check) are masked in payloads and \
            details; an investigation that needs the raw bytes reads the topic with its own, audited access.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The dead-letter topic.")
    var topic = "payments.dead-letter"

    @Option(name: .customLong("reason"), help: "Only dead letters of this reason (repeatable), e.g. invalid_json or future_event.")
    var reasons: [String] = []

    @Option(help: "The oldest shown: beginning, an RFC 3339 time, or a duration ago such as 1h.")
    var from = "beginning"

    @Option(help: "Show at most this many, oldest first (all are still counted).")
    var limit: Int?

    @Flag(help: "Print each dead letter as one JSON object per line.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard let start = AlertStart(argument: from), start != .latest else {
            throw ValidationError("--from takes beginning, an RFC 3339 time or a duration such as 1h, got '\(from)'")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let logger = logging.makeLogger(label: "vigil")
        let earliest: Int64? = if case .time(let time) = AlertStart(argument: from) { time } else { nil }
        let configuration = ConsumerConfiguration(
            kafka: try kafka.kafkaConfiguration(), groupID: "vigil-dead-letters-\(getpid())-\(EpochClock.nowMilliseconds())")
        let history: TopicHistory
        do {
            history = try TopicHistory(configuration: configuration, topic: topic, from: earliest, logger: logger)
        } catch let error as KafkaError where error.code == .brokersUnreachable {
            throw UnreachableBrokers.exit(explaining: error)
        }
        if !json { print(Style.bold(DeadLetterLine.header)) }
        var countByReason: [String: Int] = [:]
        var shown = 0
        try history.forEach { message in
            let line = DeadLetterLine(message: message)
            guard reasons.isEmpty || reasons.contains(line.reason) else { return }
            countByReason[line.reason, default: 0] += 1
            guard limit.map({ shown < $0 }) ?? true else { return }
            print(json ? line.json : line.rendered)
            shown += 1
        }
        fflush(nil)
        printToStandardError(Self.summary(countByReason, shown: shown, topic: topic, from: from))
    }

    /// `vigil dead-letters: 12 on payments.dead-letter since the beginning (11 shown): invalid_json 10, future_event 2`.
    static func summary(_ countByReason: [String: Int], shown: Int, topic: String, from: String) -> String {
        let total = countByReason.values.reduce(0, +)
        let since = from == "beginning" ? "since the beginning" : "since \(from)"
        let shownNote = shown < total ? " (\(shown) shown)" : ""
        let reasons = countByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
        return "vigil dead-letters: \(total) on \(topic) \(since)\(shownNote)" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", "))
    }
}
