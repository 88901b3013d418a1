import VigilRules
import VigilValues
package import VigilWindows

/// Engine snapshot format, version 4 (the varints, strings and window snapshots of `VigilWindows`):
///
///     "VGES" version:u8
///     clock: allowedLateness:zigzag maximumSkew:zigzag watermark:zigzag sourceCount:varint newest:zigzag…
///     storeCount:varint, per store: name:string (its state's canonical text), a window snapshot ("VGWS" …)
///     cooldowns: ruleCount:varint, per rule: ruleID:string keyCount:varint, per key: key:string lastFired:zigzag suppressed:varint
///     event ids: count:varint, per id in arrival order: fingerprint:16 bytes time:zigzag offset:zigzag
extension Engine {
    fileprivate static let snapshotSignature: [UInt8] = Array("VGES".utf8)
    /// Version 1 named a store per aggregator; version 2 names each store once, by its state;
    /// version 3 adds the event ids held for deduplication; version 4 holds their fingerprints
    /// instead. Versions 2 (with no ids) and 3 are still read.
    fileprivate static let snapshotVersion: UInt8 = 4

    /// Everything a later event's outcome depends on: each store's windows (by the definition of
    /// its state, not its position), the event-time clock and the cooldowns. Counters are not
    /// state and stay out.
    package func snapshot() -> [UInt8] {
        frozenState().serialized()
    }

    /// The state ``snapshot()`` writes, as it is now, to be serialized later, maybe on another
    /// thread, while the engine goes on evaluating. Taking it copies no window entry (see
    /// `FrozenWindowStore`).
    package func frozenState() -> FrozenEngineState {
        FrozenEngineState(
            clock: admission.clock, stores: aggregators.filter(\.records).map { ($0.stateName, $0.store.frozen()) },
            cooldowns: cooldownLedger, ruleIDs: plan.rules.map(\.id), recentEventIDs: admission.recentEventIDs)
    }

    /// Takes the state of a snapshot, in an engine that has evaluated nothing yet.
    ///
    /// All or nothing: when the snapshot is unreadable, lacks the state of one of today's aggregators (a rule
    /// was added or changed since it was taken) or was taken under another lateness or skew, the
    /// engine is left as it was and the error says why; the caller then rebuilds state by replay.
    /// Stores the snapshot holds and no aggregator reads any more are skipped.
    package func restore(fromSnapshot bytes: ArraySlice<UInt8>) throws(WindowSnapshotError) {
        guard statistics.eventsSeen == 0 else { throw .malformed("the engine has already evaluated events") }
        var reader = SnapshotReader(bytes: bytes)
        let version = try reader.readSignature(Self.snapshotSignature, versions: 2...Self.snapshotVersion)
        let restoredClock = try EventTimeClock(
            from: &reader, allowedLateness: options.allowedLatenessMilliseconds, maximumSkew: options.maximumSourceSkewMilliseconds)
        // Stores keyed by the same fields go into one directory, as `KeyGroups` would share it.
        var keyFieldsByName: [String: [FieldID]] = [:]
        for spec in plan.aggregators {
            keyFieldsByName[spec.ownStateText] = spec.keyFields
            keyFieldsByName[spec.state.text] = spec.keyFields
        }
        var directories: [[FieldID]: KeyDirectory] = [:]
        var stores: [String: SlidingWindowStore] = [:]
        for _ in 0..<(try reader.readCount()) {
            let name = try reader.readString()
            let keyFields = keyFieldsByName[name]
            let directory = keyFields.flatMap { directories[$0] } ?? KeyDirectory()
            if let keyFields { directories[keyFields] = directory }
            stores[name] = try SlidingWindowStore(snapshotFrom: &reader, keys: directory)
        }
        let ledger = try CooldownLedger(from: &reader, rules: plan.rules)
        let windowMilliseconds = options.duplicateWindowMilliseconds
        let ids = version >= 3 ? try RecentEventIDs.read(from: &reader, version: version, windowMilliseconds: windowMilliseconds)
            : windowMilliseconds.map(RecentEventIDs.init(windowMilliseconds:))
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
        let assignment = StateAssignment(plan: plan, existing: stores, createMissing: false)
        if let missing = assignment.missing.first { throw .malformed("no state for \(missing)") }
        for aggregator in assignment.aggregators {
            let function = AggregatorState.windowFunction(for: aggregator.spec.function).function
            guard aggregator.store.answers(function), aggregator.store.widthMilliseconds == aggregator.spec.windowMilliseconds else {
                throw .malformed("the state of \(aggregator.spec.canonicalText) has another function or width")
            }
        }
        aggregators = assignment.aggregators
        keyGroups = KeyGroups(aggregators: assignment.aggregators)
        admission = EventAdmission(options: options, clock: restoredClock, recentEventIDs: ids)
        cooldownLedger = ledger
    }
}

/// An engine's state at one moment (``Engine/frozenState()``).
package struct FrozenEngineState: Sendable {
    fileprivate let clock: EventTimeClock
    fileprivate let stores: [(name: String, store: FrozenWindowStore)]
    fileprivate let cooldowns: CooldownLedger
    fileprivate let ruleIDs: [String]
    fileprivate let recentEventIDs: RecentEventIDs?

    /// The engine snapshot, as ``Engine/snapshot()`` would have written it when the state was frozen.
    package func serialized() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.writeSignature(Engine.snapshotSignature, version: Engine.snapshotVersion)
        clock.write(to: &writer)
        writer.writeVarint(UInt64(stores.count))
        for (name, store) in stores {
            writer.writeString(name)
            store.writeSnapshot(to: &writer)
        }
        cooldowns.write(ruleIDs: ruleIDs, to: &writer)
        RecentEventIDs.write(recentEventIDs, to: &writer)
        return writer.bytes
    }
}
