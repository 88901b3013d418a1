import Testing
import VigilEngine
import VigilKafka
@testable import VigilPipeline
import VigilTesting

/// A partition's bookkeeping between its engine and the consumer: restores, backfills, what it owes.
@Suite struct PartitionTaskTests {
    static let before = "rules:\n  - {id: big, description: d, severity: high, expression: amount > 100}\n"
    static let after = before + "  - {id: burst, description: d, severity: low, expression: \"count(by: card_id, over: 10m) > 3\"}\n"

    /// A reload that reaches a partition halfway through its restore: the new window state is
    /// given what the replay evaluated before the reload (read again, as a live partition's
    /// backfill does), and the rest of the replay, which runs through the new rule set, still
    /// sends its events to the repartition topic the reload added.
    @Test func aReloadDuringARestoreBackfillsWhatTheReplayCovered() throws {
        let driver = try EngineTestDriver(rules: Self.before)
        let task = PartitionTask(
            partition: TopicPartition(topic: "payments", partition: 0), engine: driver.engine, isRepartitioned: false,
            replayFrom: 0, restoreUntil: 100)
        for offset in 0..<40 {
            driver.send(TestEvent.json(id: "p-\(offset)", ts: Int64(offset) * 1_000, amount: "5", ["card_id": "c-1"]))
            _ = task.processed(offset: Int64(offset))
        }
        _ = driver.engine.replace(plan: try RuleTestSources.compile(Self.after))
        task.owe(history: ["vigil-payments-by-device_id"])

        let start = try #require(
            task.beginBackfill(addedTopics: ["vigil-payments-by-device_id"]), "the 40 messages the replay evaluated are read again")
        #expect(start == 0)
        #expect(task.isRestoring && task.isBackfilling)
        #expect(task.isBackfill(39) && !task.isBackfill(40))
        #expect(task.backfilled(offset: 39), "the backfill ends where the replay stopped")
        #expect(task.owedHistory == ["vigil-payments-by-device_id"], "the rest of the replay sends its events there")
        #expect(task.processed(offset: 99), "the restore ends at its commit")
        #expect(task.owedHistory.isEmpty)
    }

    /// A restoring partition that has evaluated nothing yet needs no backfill: all of its replay
    /// runs through the new rule set.
    @Test func aReloadBeforeTheRestoreReadsAnythingNeedsNoBackfill() throws {
        let driver = try EngineTestDriver(rules: Self.before)
        let task = PartitionTask(
            partition: TopicPartition(topic: "payments", partition: 0), engine: driver.engine, isRepartitioned: false,
            replayFrom: 0, restoreUntil: 100)
        _ = driver.engine.replace(plan: try RuleTestSources.compile(Self.after))
        task.owe(history: ["vigil-payments-by-device_id"])
        #expect(task.beginBackfill(addedTopics: ["vigil-payments-by-device_id"]) == nil)
        #expect(task.owedHistory == ["vigil-payments-by-device_id"], "the replay sends its events there")
    }

    /// A restoring partition that owes a topic its history since its last commit (an older rule
    /// set ran then) sends it there with its replay; a reload that neither starts a window state
    /// nor adds a topic does not make it read what it replayed again.
    @Test func aReloadThatAddsNothingLeavesARestoreAlone() throws {
        let driver = try EngineTestDriver(rules: Self.after)
        let task = PartitionTask(
            partition: TopicPartition(topic: "payments", partition: 0), engine: driver.engine, isRepartitioned: false,
            replayFrom: 0, restoreUntil: 100)
        task.owe(history: ["vigil-payments-by-device_id"])
        for offset in 0..<40 {
            driver.send(TestEvent.json(id: "p-\(offset)", ts: Int64(offset) * 1_000, amount: "5", ["card_id": "c-1"]))
            _ = task.processed(offset: Int64(offset))
        }
        let renamed = "rules:\n  - {id: large, description: d, severity: high, expression: amount > 100}\n" + Self.after.split(separator: "\n").dropFirst(2).joined(separator: "\n")
        _ = driver.engine.replace(plan: try RuleTestSources.compile(renamed))
        #expect(task.beginBackfill(addedTopics: []) == nil)
        #expect(task.isRestoring && !task.isBackfilling)
        #expect(task.owedHistory == ["vigil-payments-by-device_id"])
    }
}
