import BenchmarkSupport
import SuiteReport
import VigilEngine
import VigilRules

/// Resident memory of one engine with the reference rules against its active keys and retained
/// window entries, along a curve from 10 thousand to 10 million keys.
///
/// Engine only: the process holds nothing else that grows, so the growth of VmRSS over the
/// baseline (plan compiled, engine empty) is the engine's state, allocator overhead included.
/// The curve stops early when the next point would need more than 70 % of the memory this
/// process could have, and says so.
///
/// `--event-ids uuid` gives events 36-character ids instead of short ones, and
/// `--deduplicate-within 1h` has the engine remember them (`EngineOptions.duplicateWindowMilliseconds`):
/// the difference between two runs that differ only in the latter is what the ids cost.
struct MemoryScenario {
    private let maximumKeys: Int
    private let eventsPerCard: Int
    private let uuidEventIDs: Bool
    private let duplicateWindowMilliseconds: Int64?
    /// Active keys (window lanes over all stores) at which RSS is read.
    private static let points = [10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]

    init(options: inout Options) throws {
        maximumKeys = try options.int("max-keys", default: 10_000_000)
        eventsPerCard = try min(5, options.int("events-per-key", default: 2))
        let ids = options.string("event-ids", default: "short")
        guard ["short", "uuid"].contains(ids) else { throw Options.Invalid(description: "--event-ids takes short or uuid, got '\(ids)'") }
        uuidEventIDs = ids == "uuid"
        let window = options.string("deduplicate-within", default: "off")
        guard window == "off" || window == "1h" else { throw Options.Invalid(description: "--deduplicate-within takes off or 1h, got '\(window)'") }
        duplicateWindowMilliseconds = window == "1h" ? 3_600_000 : nil
        try options.checkAllRead()
    }

    func run() throws -> ScenarioReport {
        let plan = RuleSet.reference.plan()
        var engineOptions = EngineOptions()
        engineOptions.duplicateWindowMilliseconds = duplicateWindowMilliseconds
        let engine = Engine(plan: plan, options: engineOptions)
        let keysPerCard = plan.aggregators.count
        var feed = KeyedFeed(eventsPerCard: eventsPerCard, plannedEvents: maximumKeys / keysPerCard * eventsPerCard, uuidEventIDs: uuidEventIDs)
        let baseline = ProcessMemory.residentBytes()
        var report = ScenarioReport(scenario: "memory", settings: [
            "rules": "Benchmarks/rules/reference (\(keysPerCard) window stores)",
            "feed": "new cards, each with its own account and device; \(eventsPerCard) events per card, all within 4 minutes",
            "event ids": uuidEventIDs ? "36 characters (UUID)" : "short (k-123456)",
            "deduplication": duplicateWindowMilliseconds == nil ? "off" : "every event id remembered",
            "baseline RSS (bytes)": "\(baseline)",
        ])
        for point in Self.points where point <= maximumKeys {
            let resident = ProcessMemory.residentBytes()
            let projected = baseline + (resident - baseline) / max(engine.stateSummary.activeKeys, 1) * point
            if feed.cards > 0, Double(projected) > 0.7 * Double(resident + ProcessMemory.availableBytes()) {
                report.runs.append("stopped before \(point) keys: about \(projected >> 20) MiB projected, more than this machine has to spare")
                break
            }
            while engine.stateSummary.activeKeys < point {
                feed.feed(cards: max(1, (point - engine.stateSummary.activeKeys) / keysPerCard), into: engine)
            }
            record(engine.stateSummary, cards: feed.cards, baseline: baseline, in: &report)
        }
        return report
    }

    private func record(_ state: Engine.StateSummary, cards: Int, baseline: Int, in report: inout ScenarioReport) {
        let resident = ProcessMemory.residentBytes()
        let growth = Double(resident - baseline)
        let keys = ReportTable.format(Double(state.activeKeys))
        let note = "\(ReportTable.format(Double(cards))) cards, \(ReportTable.format(Double(state.retainedEntries))) entries"
        report.figures += [
            Figure("RSS at \(keys) active keys", Double(resident) / 1_048_576, unit: "MiB", note: note),
            Figure("bytes per active key at \(keys)", growth / Double(max(state.activeKeys, 1)), unit: "B", note: "RSS growth ÷ keys"),
            // Per-key costs are in this too; the engine's own estimate is what the 150-byte target is stated for.
            Figure(
                "bytes per retained entry at \(keys)", growth / Double(max(state.retainedEntries, 1)), unit: "B",
                note: "RSS growth ÷ entries; engine's estimate \(state.estimatedBytes / max(state.retainedEntries, 1)) B"
            ),
        ]
        report.runs.append("\(state.activeKeys) keys, \(state.retainedEntries) entries, \(cards) cards: RSS \(resident >> 20) MiB")
    }
}
