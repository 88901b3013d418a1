import ArgumentParser
import Glibc
import VigilEngine
import VigilRules

/// `vigil backtest`: a rule set over recorded events, as fast as the engine goes, no Kafka.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Evaluate a rule set over recorded events (JSON Lines, .gz too) and report what it would raise.",
        discussion: """
            Events are read in file order, one JSON event per line, by one engine with fresh windows, exactly as \
            a replica would see them. With --compare, a second rule set reads the same events and the report \
            lists the alerts (by alert id, rule and key) the change adds and removes.
            """
    )

    @Option(help: "Directory of rule files.")
    var rules = "rules"

    @Option(help: "Recorded events, one JSON object per line; gzip-compressed when the name ends in .gz.")
    var input: String

    @Option(help: "A second rules directory to compare against --rules over the same events.")
    var compare: String?

    @Option(help: "Events later than this behind the newest event time are counted as late.")
    var allowedLateness = HumanDuration(argument: "10m")!

    @Option(help: "Keys shown per rule.")
    var topKeys = 3

    @Option(help: "Example alerts shown with their explanations (the first of each rule).")
    var examples = 3

    @Option(help: "Additions and removals listed per rule with --compare.")
    var listedChanges = 20

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() throws {
        let plan = try RuleLoading.compile(directory: rules)
        let other = try compare.map { try RuleLoading.compile(directory: $0) }
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = allowedLateness.milliseconds
        var base = BacktestTally(plan: plan, options: options, keepsIdentities: other != nil, exampleLimit: examples)
        var changed = other.map { BacktestTally(plan: $0, options: options, keepsIdentities: true, exampleLimit: examples) }
        let file: EventFile
        do { file = try EventFile(path: input, writing: false) } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(2)
        }
        let elapsed = try replay(file, into: &base, and: &changed)
        let report = BacktestReport(input: input, base: base, changed: changed, elapsed: elapsed, topKeys: topKeys, listedChanges: listedChanges)
        print(json ? report.json : report.text)
    }

    /// Feeds every line to both tallies, with a progress bar on standard error.
    private func replay(_ file: EventFile, into base: inout BacktestTally, and changed: inout BacktestTally?) throws -> Duration {
        let size = Self.storedSize(of: input)
        var progress = ProgressLine()
        var line: Int64 = 0
        let now = EpochClock.nowMilliseconds()
        try file.forEachLine { bytes in
            line += 1
            let source = EventSource(topic: input, partition: 0, offset: line)
            base.process(bytes, source: source, now: now)
            changed?.process(bytes, source: source, now: now)
            guard line & 0xFFF == 0 else { return }
            progress.update { Self.progressText(events: line, elapsed: $0, fraction: Double(file.storedOffset) / Double(max(size, 1))) }
        }
        let elapsed = progress.elapsed
        progress.finish(Self.progressText(events: line, elapsed: elapsed, fraction: 1))
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
