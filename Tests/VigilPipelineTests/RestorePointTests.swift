import Testing
import VigilEngine
import VigilKafka
@testable import VigilPipeline

@Suite struct RestorePointTests {
    @Test func metadataRoundTripsAndForeignMetadataIsIgnored() {
        #expect(RestorePoint(metadata: RestorePoint(replayFrom: 1234).metadata) == RestorePoint(replayFrom: 1234))
        #expect(RestorePoint(metadata: nil) == nil)
        #expect(RestorePoint(metadata: "") == nil)
        #expect(RestorePoint(metadata: "committed by another tool") == nil)
        #expect(RestorePoint(metadata: RestorePoint.prefix + "-5") == nil)
    }

    @Test func aSnapshotReferenceRoundTripsAndABrokenOneIsDropped() {
        let reference = SnapshotReference(partition: 2, firstOffset: 40, lastOffset: 47, position: 1_000)
        let point = RestorePoint(replayFrom: 900, snapshot: reference)
        #expect(point.metadata == "vigil-restore/1 replay-from=900 snapshot=2:40-47@1000")
        #expect(RestorePoint(metadata: point.metadata) == point)
        for broken in ["2:40-47", "2:47-40@1000", "x:40-47@1000", "2:40@1000", "2:40-47@-1"] {
            #expect(RestorePoint(metadata: RestorePoint.prefix + "900 snapshot=" + broken) == RestorePoint(replayFrom: 900), "\(broken)")
        }
    }

    /// An input partition's commit names the repartition topics it sent everything to; one
    /// committed by a version that did not name them says nothing about them (nil, not empty).
    @Test func theRoutesOfAnInputPartitionRoundTrip() {
        let reference = SnapshotReference(partition: 2, firstOffset: 40, lastOffset: 47, position: 1_000)
        let point = RestorePoint(replayFrom: 900, snapshot: reference, routes: ["vigil-payments-by-account_id", "vigil-payments-by-device_id"])
        #expect(point.metadata == "vigil-restore/1 replay-from=900 snapshot=2:40-47@1000 routes=vigil-payments-by-account_id,vigil-payments-by-device_id")
        #expect(RestorePoint(metadata: point.metadata) == point)
        #expect(RestorePoint(metadata: "vigil-restore/1 replay-from=900 routes=")?.routes == [])
        #expect(RestorePoint(metadata: "vigil-restore/1 replay-from=900 snapshot=2:40-47@1000")?.routes == nil)
    }

    @Test func aSnapshotIsUsedOnlyBetweenTheReplayPointAndTheCommit() {
        let point = RestorePoint(replayFrom: 900, snapshot: SnapshotReference(partition: 0, firstOffset: 0, lastOffset: 0, position: 1_000))
        #expect(point.snapshot(usableAt: 1_000) != nil)
        #expect(point.snapshot(usableAt: 1_500) != nil)
        #expect(point.snapshot(usableAt: 999) == nil, "the snapshot would count messages the commit does not cover")
        let overtaken = RestorePoint(replayFrom: 1_200, snapshot: point.snapshot)
        #expect(overtaken.snapshot(usableAt: 1_500) == nil, "replaying from the restore point is shorter")
    }

    /// Partitions assigned together must not all be snapshotted at the same commit: each one's
    /// first snapshot comes after its own share (half to all) of the interval, the next ones after
    /// the whole interval.
    @Test func firstSnapshotsOfPartitionsAssignedTogetherAreSpreadOut() throws {
        let plan = try RuleTestSources.compile("rules:\n  - {id: big, description: d, severity: low, expression: amount > 10}\n")
        let interval = Duration.seconds(1_000)
        var firstDue: Set<Int> = []
        for partition in Int32(0)..<12 {
            let task = PartitionTask(
                partition: TopicPartition(topic: "payments", partition: partition), engine: Engine(plan: plan),
                isRepartitioned: false, replayFrom: 0, restoreUntil: nil)
            #expect(!task.isSnapshotDue(interval: interval, at: task.assignedAt + interval), "nothing processed, nothing to snapshot")
            _ = task.processed(offset: 0)
            let due = (1...1_000).first { task.isSnapshotDue(interval: interval, at: task.assignedAt + .seconds($0)) }
            #expect(due.map { (500...999).contains($0) } == true, "partition \(partition): first due after \(String(describing: due)) s")
            firstDue.insert(due ?? 0)
            _ = task.freezeSnapshot()
            _ = task.processed(offset: 1)
            #expect(!task.isSnapshotDue(interval: interval, at: task.snapshotTakenAt + .seconds(999)))
            #expect(task.isSnapshotDue(interval: interval, at: task.snapshotTakenAt + interval))
        }
        #expect(firstDue.count >= 8, "12 partitions, first snapshots at \(firstDue.sorted()) s")
    }

    /// Snapshots far apart on one snapshot partition are read in passes of their own, never the
    /// offsets between them; close ones in one sweep; other partitions' at the same time.
    @Test func snapshotsFarApartAreReadInSeparatePasses() {
        func reference(_ partition: Int32, _ first: Int64, _ last: Int64) -> SnapshotReference {
            SnapshotReference(partition: partition, firstOffset: first, lastOffset: last, position: 0)
        }
        let passes = SnapshotStore.passes([
            reference(0, 5_000_000, 5_000_002), reference(0, 1_000, 1_001), reference(0, 1_010, 1_012), reference(1, 7, 9),
        ])
        #expect(passes == [[0: 1_000...1_012, 1: 7...9], [0: 5_000_000...5_000_002]])
        #expect(SnapshotStore.passes([]).isEmpty)
    }

    @Test func aPartitionSnapshotRoundTripsAndAnyFlippedByteIsRefused() throws {
        let snapshot = PartitionSnapshot(position: 77, countedInputOffsets: [0: 12, 3: 99], engine: ArraySlice(0..<200))
        let bytes = snapshot.serialized()
        #expect(try PartitionSnapshot(serialized: bytes) == snapshot)
        for index in bytes.indices {
            var flipped = bytes
            flipped[index] ^= 0x10
            #expect(throws: (any Error).self) { try PartitionSnapshot(serialized: flipped) }
        }
        #expect(throws: (any Error).self) { try PartitionSnapshot(serialized: Array(bytes.dropLast())) }
    }

    /// One event per minute at offsets 0…; a 10-minute memory. Once the watermark is at minute m,
    /// only events after minute m − 10 can matter, so replay may start at the offset of minute m − 10 + 1
    /// (rounded down to a checkpoint).
    @Test func replayStartsAtTheOldestMessageStillWithinReach() {
        var anchors = ReplayAnchors(replayFrom: 0, interval: 1)
        let minute: Int64 = 60_000
        for offset in Int64(0)..<30 {
            anchors.processed(upTo: offset + 1, watermark: offset * minute)
        }
        // Checkpoint (k, watermark (k-1) minutes) passes when (k - 1) <= 29 - 10.
        #expect(anchors.advance(watermark: 29 * minute, memory: 10 * minute) == 20)
        #expect(anchors.advance(watermark: 29 * minute, memory: 10 * minute) == 20, "idempotent")
        #expect(anchors.advance(watermark: 25 * minute, memory: 10 * minute) == 20, "never moves back")
    }

    @Test func thinningOnlyMovesTheStartEarlier() {
        var thinned = ReplayAnchors(replayFrom: 0, interval: 1, capacity: 8)
        var full = ReplayAnchors(replayFrom: 0, interval: 1, capacity: 1_000)
        for offset in Int64(0)..<100 {
            thinned.processed(upTo: offset + 1, watermark: offset)
            full.processed(upTo: offset + 1, watermark: offset)
        }
        let exact = full.advance(watermark: 99, memory: 30)
        let bounded = thinned.advance(watermark: 99, memory: 30)
        #expect(exact == 70)
        #expect(bounded <= exact && bounded > 0, "bounded memory replays a little more, never less: \(bounded)")
    }

    @Test func aPartitionWithoutEventsKeepsItsStart() {
        var anchors = ReplayAnchors(replayFrom: 42, interval: 1)
        #expect(anchors.advance(watermark: .min, memory: 10) == 42)
        anchors.processed(upTo: 43, watermark: .min)
        #expect(anchors.advance(watermark: 1_000, memory: 10) == 43, "offsets before any counted event are never needed")
    }
}
