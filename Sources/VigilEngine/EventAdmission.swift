import VigilEvents

/// Decides whether an event counts, in the order live evaluation applies the checks: not too far
/// ahead of its message, not late, not a second delivery; and moves the event clock for those
/// that do.
///
/// The engine judges live events with one. A backfill judges the history it reads again with
/// another, started afresh from the first message read again, which is how a restart's replay
/// judges it: so the windows a reload started hold what the running ones hold, and the history
/// sent to a repartition topic the reload added holds what live traffic sent to the others.
struct EventAdmission: Sendable {
    enum Verdict {
        case admitted
        case aheadOfMessage(messageTime: Int64)
        case late(watermark: Int64)
        case duplicate(firstOffset: Int64)
    }

    let options: EngineOptions
    private(set) var clock: EventTimeClock
    /// Nil unless `options.duplicateWindowMilliseconds` asks for deduplication.
    private(set) var recentEventIDs: RecentEventIDs?
    private var admittedSinceForgetting = 0

    init(options: EngineOptions) {
        self.options = options
        clock = EventTimeClock(allowedLateness: options.allowedLatenessMilliseconds, maximumSkew: options.maximumSourceSkewMilliseconds)
        recentEventIDs = options.duplicateWindowMilliseconds.map(RecentEventIDs.init(windowMilliseconds:))
    }

    /// The admission a snapshot's clock and event ids describe.
    init(options: EngineOptions, clock: EventTimeClock, recentEventIDs: RecentEventIDs?) {
        self.options = options
        self.clock = clock
        self.recentEventIDs = recentEventIDs
    }

    /// Judges the decoded `event`, read from `source` in a message stamped `messageTime` (nil when
    /// it did not come from the input topic: no bound applies then).
    @inline(__always)
    mutating func judge(_ event: PaymentEvent, source: EventSource, messageTime: Int64?) -> Verdict {
        let time = event.timestamp
        if let messageTime, options.isTooFarAhead(time, of: messageTime) { return .aheadOfMessage(messageTime: messageTime) }
        if clock.isLate(time) { return .late(watermark: clock.watermark) }
        if let first = recentEventIDs?.repeatOf(event.eventID, time: time, offset: source.offset) {
            return .duplicate(firstOffset: first.offset)
        }
        clock.advance(to: time, source: source.partition)
        if recentEventIDs != nil { forgetExpiredIDsNowAndThen() }
        return .admitted
    }

    /// Every `options.evictionInterval` ids, forgets those a whole window behind the watermark.
    private mutating func forgetExpiredIDsNowAndThen() {
        admittedSinceForgetting += 1
        guard admittedSinceForgetting >= options.evictionInterval else { return }
        admittedSinceForgetting = 0
        recentEventIDs?.forget(behind: clock.watermark)
    }
}
