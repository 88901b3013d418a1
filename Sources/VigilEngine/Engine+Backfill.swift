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
    /// judged as a replay judges them (see ``HistoryJudge``), one that was too far ahead of its
    /// message, late, or a second delivery. So the new states hold what the running ones hold.
    /// - Parameter messageTime: as for ``process(_:source:now:messageTime:)``.
    /// - Returns: whether the event counts; its fields can then be read, to route it.
    @discardableResult
    package func backfill(_ bytes: UnsafeRawBufferPointer, messageTime: Int64? = nil) -> Bool {
        guard decoder.decode(bytes, into: &event) == nil, historyJudge.admits(event, messageTime: messageTime) else { return false }
        record(intoEveryState: false)
        return true
    }

    /// Records an event of history into every window state, as `backfill` does into the started
    /// ones: the history a reload sends to a repartition topic it added, which has no other.
    /// - Returns: whether the event decoded.
    @discardableResult
    package func recordHistory(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard decoder.decode(bytes, into: &event) == nil else { return false }
        record(intoEveryState: true)
        return true
    }

    /// Records the decoded event.
    private func record(intoEveryState: Bool) {
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
    }
}

/// Tells which events of the history a backfill reads again live evaluation set aside (too far
/// ahead of their message, late, or second deliveries), so that they stay out of the new states and of the repartition topics
/// the history goes to.
///
/// It judges them as a restart's replay does: with an event clock, and the event ids of the
/// deduplication window, rebuilt from the first event read again. History starts the allowed
/// lateness before the oldest window it fills, which is the margin that clock needs to catch up.
struct HistoryJudge {
    private let options: EngineOptions
    private var clock: EventTimeClock
    private var eventIDs: RecentEventIDs?
    private var eventsSinceForgetting = 0

    init(options: EngineOptions) {
        self.options = options
        clock = EventTimeClock(allowedLateness: options.allowedLatenessMilliseconds, maximumSkew: options.maximumSourceSkewMilliseconds)
        eventIDs = options.duplicateWindowMilliseconds.map(RecentEventIDs.init(windowMilliseconds:))
    }

    /// Whether live evaluation counted `event`; notes it when it did.
    mutating func admits(_ event: PaymentEvent, messageTime: Int64?) -> Bool {
        let time = event.timestamp
        if let messageTime, options.isTooFarAhead(time, of: messageTime) { return false }
        guard !clock.isLate(time) else { return false }
        // The offset a repeat was first seen at is never reported for history.
        guard eventIDs?.repeatOf(event.eventID, time: time, offset: -1) == nil else { return false }
        // History is one input partition's, so it has one source.
        clock.advance(to: time, source: 0)
        eventsSinceForgetting += 1
        if eventsSinceForgetting >= 1024 {
            eventsSinceForgetting = 0
            eventIDs?.forget(behind: clock.watermark)
        }
        return true
    }
}
