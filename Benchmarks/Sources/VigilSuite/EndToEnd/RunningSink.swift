/// The consumer side of a measured run: Vigil's pipeline, or one of the Kafka-only ceilings.
protocol RunningSink: Sendable {
    /// Events finished so far (committed, for a sink that commits); read by the feeder's thread.
    var consumed: Int { get }
    /// Stops consuming and reports what was seen.
    func finish() async throws -> SinkOutcome
}

/// What a sink saw over a whole run.
struct SinkOutcome: Sendable {
    let consumed: Int
    /// Offsets the sink never saw although it moved past them: the mock pruned them before the
    /// sink fetched them, so the sink fell further behind than the broker retains.
    let skipped: Int
    /// Messages the sink wrote: alerts for Vigil, one small message per 100 for the read-and-write ceiling.
    let written: Int
    /// How the sink got there, when it can say (Vigil: batches and time per batch).
    var detail = ""
}

/// The consumers a rate is measured for, all on the same broker in the same run.
enum SinkKind: String, CaseIterable, Sendable {
    case discard = "read-discard"
    case readWrite = "read-write"
    case vigil
    /// The same with `--evaluation-threads 2`: partitions evaluated two at a time.
    case vigilTwoThreads = "vigil-2-threads"
    /// Only the reference rules that run where the input is read: no repartition topics.
    case vigilInputKeyed = "vigil-input-keyed"

    var title: String {
        switch self {
        case .discard: "Kafka ceiling: read and discard"
        case .readWrite: "Kafka ceiling: read, write 1 per 100, commit"
        case .vigil: "Vigil pipeline, reference rules"
        case .vigilTwoThreads: "Vigil pipeline, reference rules, 2 evaluation threads"
        case .vigilInputKeyed: "Vigil pipeline, card-keyed reference rules only (no repartitioning)"
        }
    }

    /// Vigil must not see an event twice, so its feed never wraps around the workload.
    var isVigil: Bool { self == .vigil || self == .vigilTwoThreads || self == .vigilInputKeyed }
}
