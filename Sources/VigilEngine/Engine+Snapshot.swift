import VigilRules
import VigilValues
package import VigilWindows

/// Engine snapshot format, version 1 (the varints, strings and window snapshots of `VigilWindows`):
///
///     "VGES" version:u8
///     clock: allowedLateness:zigzag maximumSkew:zigzag watermark:zigzag sourceCount:varint newest:zigzag…
///     aggregatorCount:varint, per aggregator: canonicalText:string, a window snapshot ("VGWS" …)
///     cooldowns: ruleCount:varint, per rule: ruleID:string keyCount:varint, per key: key:string lastFired:zigzag suppressed:varint
extension Engine {
    fileprivate static let snapshotSignature: [UInt8] = Array("VGES".utf8)
    fileprivate static let snapshotVersion: UInt8 = 1

    /// Everything a later event's outcome depends on: each aggregator's windows (by its definition,
    /// not its position), the event-time clock and the cooldowns. Counters are not state and stay out.
    package func snapshot() -> [UInt8] {
        frozenState().serialized()
    }

    /// The state ``snapshot()`` writes, as it is now, to be serialized later, maybe on another
    /// thread, while the engine goes on evaluating. Taking it copies no window entry (see
    /// `FrozenWindowStore`).
    package func frozenState() -> FrozenEngineState {
        FrozenEngineState(
            clock: clock, stores: aggregators.map { ($0.spec.canonicalText, $0.store.frozen()) },
            cooldowns: cooldownLedger, ruleIDs: plan.rules.map(\.id))
    }

    /// Takes the state of a snapshot, in an engine that has evaluated nothing yet.
    ///
    /// All or nothing: when the snapshot is unreadable, lacks one of today's aggregators (a rule
    /// was added or changed since it was taken) or was taken under another lateness or skew, the
    /// engine is left as it was and the error says why; the caller then rebuilds state by replay.
    /// Aggregators the snapshot holds and no rule uses any more are skipped.
    package func restore(fromSnapshot bytes: ArraySlice<UInt8>) throws(WindowSnapshotError) {
        guard statistics.eventsSeen == 0 else { throw .malformed("the engine has already evaluated events") }
        var reader = SnapshotReader(bytes: bytes)
        try reader.readSignature(Self.snapshotSignature, version: Self.snapshotVersion)
        let restoredClock = try EventTimeClock(
            from: &reader, allowedLateness: options.allowedLatenessMilliseconds, maximumSkew: options.maximumSourceSkewMilliseconds)
        // Stores keyed by the same fields go into one directory, as `KeyGroups` would share it.
        var directories: [[FieldID]: KeyDirectory] = [:]
        let wanted = Dictionary(aggregators.map { ($0.spec.canonicalText, $0.spec) }, uniquingKeysWith: { first, _ in first })
        var stores: [String: SlidingWindowStore] = [:]
        for _ in 0..<(try reader.readCount()) {
            let text = try reader.readString()
            let keyFields = wanted[text]?.keyFields
            let directory = keyFields.flatMap { directories[$0] } ?? KeyDirectory()
            if let keyFields { directories[keyFields] = directory }
            stores[text] = try SlidingWindowStore(snapshotFrom: &reader, keys: directory)
        }
        let ledger = try CooldownLedger(from: &reader, rules: plan.rules)
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
        var restored: [AggregatorState] = []
        for aggregator in aggregators {
            let spec = aggregator.spec
            guard let store = stores[spec.canonicalText] else { throw .malformed("no state for \(spec.canonicalText)") }
            guard store.function == aggregator.store.function, store.widthMilliseconds == aggregator.store.widthMilliseconds else {
                throw .malformed("the state of \(spec.canonicalText) has another function or width")
            }
            restored.append(AggregatorState(spec: spec, store: store))
        }
        aggregators = restored
        keyGroups = KeyGroups(aggregators: restored)
        clock = restoredClock
        cooldownLedger = ledger
    }
}

/// An engine's state at one moment (``Engine/frozenState()``).
package struct FrozenEngineState: Sendable {
    fileprivate let clock: EventTimeClock
    fileprivate let stores: [(canonicalText: String, store: FrozenWindowStore)]
    fileprivate let cooldowns: CooldownLedger
    fileprivate let ruleIDs: [String]

    /// The engine snapshot, as ``Engine/snapshot()`` would have written it when the state was frozen.
    package func serialized() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.writeSignature(Engine.snapshotSignature, version: Engine.snapshotVersion)
        clock.write(to: &writer)
        writer.writeVarint(UInt64(stores.count))
        for (canonicalText, store) in stores {
            writer.writeString(canonicalText)
            store.writeSnapshot(to: &writer)
        }
        cooldowns.write(ruleIDs: ruleIDs, to: &writer)
        return writer.bytes
    }
}
