import VigilEvents
import VigilRules

extension Engine {
    /// Whether the last reload started window states that are empty although the engine has
    /// evaluated events they would hold: a new rule's 24-hour sum would otherwise see a day of
    /// traffic only after a day.
    package var needsBackfill: Bool { !backfilling.isEmpty }

    /// How far back in event time the started states reach: their longest window plus the
    /// allowed lateness. History older than that cannot change what they answer. (Aggregators
    /// that read a started state share its window, so its recorder's window stands for them.)
    package var backfillReachMilliseconds: Int64 {
        let longest = backfilling.map { aggregators[$0].spec.windowMilliseconds }.max() ?? 0
        return longest + options.allowedLatenessMilliseconds
    }

    /// Records an event the engine evaluated before the last reload into the states that reload
    /// started, and into no other: the others hold it already. Rules do not run, nothing is
    /// counted, and the event clock stays where live traffic put it; an event that does not
    /// decode was dead-lettered the first time and is skipped.
    /// - Returns: whether the event decoded; its fields can then be read, to route it.
    @discardableResult
    package func backfill(_ bytes: UnsafeRawBufferPointer) -> Bool {
        record(bytes, intoEveryState: false)
    }

    /// Records an event of history into every window state, as `backfill` does into the started
    /// ones: the history a reload sends to a repartition topic it added, which has no other.
    /// - Returns: whether the event decoded.
    @discardableResult
    package func recordHistory(_ bytes: UnsafeRawBufferPointer) -> Bool {
        record(bytes, intoEveryState: true)
    }

    private func record(_ bytes: UnsafeRawBufferPointer, intoEveryState: Bool) -> Bool {
        guard decoder.decode(bytes, into: &event) == nil else { return false }
        guard intoEveryState || !backfilling.isEmpty else { return true }
        let time = event.timestamp
        let fields = event.fields
        keyGroups.findLanes(from: fields)
        if intoEveryState {
            for index in aggregators.indices where aggregators[index].records {
                _ = aggregators[index].observe(fields, lane: keyGroups.lane(ofAggregator: index), at: time)
            }
        } else {
            for index in backfilling {
                _ = aggregators[index].observe(fields, lane: keyGroups.lane(ofAggregator: index), at: time)
            }
        }
        keyGroups.forgetUnheldKeys()
        return true
    }

    /// Ends the backfill: the started states hold what history could give them, and from now on
    /// they are ordinary states, snapshotted and kept across reloads like any other.
    package func endBackfill() {
        backfilling = []
    }
}
