import ArgumentParser
import Foundation
import VigilEngine
import VigilKafka
import VigilPipeline

/// Topics and processing limits shared by every command that runs the pipeline.
struct PipelineOptions: ParsableArguments {
    @Option(help: "Consumer group id: every replica of one deployment uses the same.")
    var group = "vigil"

    @Option(help: "Static group membership id (e.g. the pod name); keeps partitions through a quick restart.")
    var instanceID: String?

    @Option(help: "Topic of payment events.")
    var input = "payments"

    @Option(help: "Topic alerts are published to.")
    var alerts = "alerts"

    @Option(help: "Topic for alerts of shadow rules (default: <alerts>.shadow).")
    var shadowAlerts: String?

    @Option(help: "Topic for messages that are not valid events (default: <input>.dead-letter).")
    var deadLetter: String?

    @Option(
        help: ArgumentHelp(
            "Fields the input topic is keyed by, comma-separated ('' for none).",
            discussion: "Rules keyed by anything else run on repartition topics named <group>-<input>-by-<fields>."))
    var inputKey = "card_id"

    @Flag(help: "Commit each batch's outputs and offsets in one Kafka transaction (needs a real cluster; see the README).")
    var exactlyOnce = false

    @Option(help: "Transactional id for --exactly-once, unique and stable per replica (default: <group>-<instance-id>).")
    var transactionalID: String?

    @Option(help: "Directory of rule files.")
    var rules = "rules"

    @Option(help: ArgumentHelp("Events later than this behind the newest event time are dead-lettered as late.", valueName: "duration"))
    var allowedLateness = HumanDuration(milliseconds: 10 * 60_000)

    @Option(help: ArgumentHelp(
        "How far in event time one input partition may fall behind the others and still hold back the watermark of the repartition topics.",
        valueName: "duration"))
    var maxSourceSkew = HumanDuration(milliseconds: 15 * 60_000)

    @OptionGroup var deduplication: DeduplicationOptions

    @Option(help: ArgumentHelp(
        "Dead-letter an event as future_event when its time is further than this ahead of its Kafka message's timestamp.",
        discussion: "Off by default. One event stamped far ahead (a wrong clock, or microseconds for milliseconds) would otherwise move its partition's event clock that far, and every on-time event after it would be late. Must be shorter than --allowed-lateness; 1m suits producers that stamp messages when they send them.",
        valueName: "duration"))
    var maxEventTimeAhead: HumanDuration?

    @Option(help: "Largest message accepted as an event, in bytes.")
    var maxMessageBytes = 64 * 1024

    @Option(help: "Stop consuming after this many consecutive bad messages.")
    var maxBadConsecutive = 1000

    @Option(help: "Stop consuming when more than this share (0-1) of the last 10000 messages were bad.")
    var maxBadShare = 0.5

    @Option(help: ArgumentHelp(
        "How often outputs are flushed and offsets committed (at least once); a crash replays about this much.", valueName: "duration"))
    var commitInterval = HumanDuration(milliseconds: 100)

    @Option(
        help: ArgumentHelp(
            "Topic of partition snapshots (default: <group>-<input>-snapshots); '' turns snapshots off.",
            discussion: "A partition's new owner loads its latest snapshot and replays only the messages after it. Without snapshots it replays all the history its windows reach back to."))
    var snapshotTopic: String?

    @Option(help: ArgumentHelp(
        "A partition whose state changed is snapshotted at the first commit after this long, and at shutdown.", valueName: "duration"))
    var snapshotInterval = HumanDuration(milliseconds: 5 * 60_000)

    @Option(help: "Threads that evaluate different partitions of a batch at the same time; more pay only with spare cores.")
    var evaluationThreads = 1

    @Option(help: "Group session timeout in milliseconds.")
    var sessionTimeoutMs = 45_000

    func apply(to configuration: inout PipelineConfiguration) {
        configuration.engine.allowedLatenessMilliseconds = allowedLateness.milliseconds
        configuration.engine.maximumSourceSkewMilliseconds = maxSourceSkew.milliseconds
        configuration.engine.maximumMessageBytes = maxMessageBytes
        configuration.engine.duplicateWindowMilliseconds = deduplication.deduplicateWithin?.milliseconds
        configuration.engine.maximumTimeAheadMilliseconds = maxEventTimeAhead?.milliseconds
        configuration.badInput.maximumConsecutive = maxBadConsecutive
        configuration.badInput.maximumShare = maxBadShare
        configuration.consumer.groupInstanceID = instanceID
        configuration.consumer.sessionTimeoutMilliseconds = sessionTimeoutMs
        configuration.commitInterval = .milliseconds(commitInterval.milliseconds)
        configuration.evaluationThreads = evaluationThreads
        if let snapshotTopic { configuration.snapshotTopic = snapshotTopic.isEmpty ? nil : snapshotTopic }
        configuration.snapshotInterval = .milliseconds(snapshotInterval.milliseconds)
        configuration.inputKey = inputKey.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        configuration.isExactlyOnce = exactlyOnce
        if exactlyOnce {
            configuration.producer.transactionalID = transactionalID ?? instanceID.map { "\(group)-\($0)" }
        }
    }

    func validate() throws {
        if evaluationThreads < 1 { throw ValidationError("--evaluation-threads must be at least 1") }
        if !(maxBadShare > 0 && maxBadShare <= 1) { throw ValidationError("--max-bad-share is a share above 0 and at most 1, got \(maxBadShare)") }
        if maxBadConsecutive < 1 { throw ValidationError("--max-bad-consecutive must be at least 1") }
        if maxMessageBytes < 1 { throw ValidationError("--max-message-bytes must be at least 1") }
        if commitInterval.milliseconds < 1 { throw ValidationError("--commit-interval must be at least 1ms") }
        if snapshotInterval.milliseconds < 1 { throw ValidationError("--snapshot-interval must be at least 1ms") }
        if let ahead = maxEventTimeAhead, ahead.milliseconds >= allowedLateness.milliseconds {
            throw ValidationError(
                "--max-event-time-ahead must be shorter than --allowed-lateness (\(allowedLateness.defaultValueDescription)): an event that far ahead would still make on-time events late")
        }
        if exactlyOnce, transactionalID == nil, instanceID == nil {
            throw ValidationError("--exactly-once needs --transactional-id or --instance-id (one stable id per replica)")
        }
    }
}
