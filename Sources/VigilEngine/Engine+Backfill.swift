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
    /// counted, and the event clock stays where live traffic put it.
    ///
    /// An event that was dead-lettered the first time is skipped: one that does not decode, and,
    /// judged as a replay judges them (see ``EventAdmission``), one that was too far ahead of its
    /// message, late, or a second delivery. So the new states hold what the running ones hold.
    /// - Parameters:
    ///   - source: where the event was read; on a repartition topic, its input partition and offset.
    ///   - messageTime: as for ``process(_:source:now:messageTime:)``.
    /// - Returns: whether the event counts; its fields can then be read, to route it.
    @discardableResult
    package func backfill(_ bytes: UnsafeRawBufferPointer, from source: EventSource, messageTime: Int64? = nil) -> Bool {
        guard decoder.decode(bytes, into: &event) == nil else { return false }
        // Judged in place: a copy would copy its clock and event ids for every event.
        guard case .admitted = historyAdmission.judge(event, source: source, messageTime: messageTime) else { return false }
        recordDecoded(intoEveryState: false)
        return true
    }

    /// Records an event of history into every window state, as `backfill` does into the started
    /// ones: the history a reload sends to a repartition topic it added, which has no other. It
    /// was judged where it was read, so it is not judged again.
    /// - Returns: whether the event decoded.
    @discardableResult
    package func recordHistory(_ bytes: UnsafeRawBufferPointer) -> Bool {
        record(bytes, intoEveryState: true)
    }

    /// Records an event of history, as ``recordHistory(_:)`` does, that a backfill reads again:
    /// into the states the last reload started only, since the others hold it already.
    @discardableResult
    package func backfillHistory(_ bytes: UnsafeRawBufferPointer) -> Bool {
        record(bytes, intoEveryState: false)
    }

    /// Decodes and records an event, unjudged.
    /// - Returns: whether it decoded.
    private func record(_ bytes: UnsafeRawBufferPointer, intoEveryState: Bool) -> Bool {
        guard decoder.decode(bytes, into: &event) == nil else { return false }
        recordDecoded(intoEveryState: intoEveryState)
        return true
    }

    /// Records the event decoded last.
    private func recordDecoded(intoEveryState: Bool) {
        guard intoEveryState || !backfilling.isEmpty else { return }
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
    }

    /// Ends the backfill: the started states hold what history could give them, and from now on
    /// they are ordinary states, snapshotted and kept across reloads like any other.
    package func endBackfill() {
        backfilling = []
        historyAdmission = EventAdmission(options: options)
    }
}
