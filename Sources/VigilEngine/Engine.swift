package import VigilEvents
package import VigilRules
package import VigilValues
import VigilWindows

/// The hot path: one event's bytes in, its alerts out.
///
/// Decode reads only the fields the plan needs; every shared aggregator records the event (when its
/// filter passes) and is read at the event's time; then every rule's compiled expression runs.
/// Synchronous and single-owner: no locks, no I/O, no `await`. Event time drives everything, so
/// replaying the same input gives the same alerts.
package final class Engine {
    @exclusivity(unchecked) package internal(set) var plan: RulePlan
    package let options: EngineOptions
    @exclusivity(unchecked) package internal(set) var statistics: EngineStatistics

    // Everything below `statistics` that depends on the plan is rebuilt by `replace(plan:)`.
    // The engine has one owner and never lends these out, so the runtime exclusivity checks that
    // Swift would otherwise make on every access are off (about 1 % of the instructions per event).
    @exclusivity(unchecked) var decoder: EventDecoder
    @exclusivity(unchecked) var event: PaymentEvent
    /// Holds the event's fields and aggregates only while its rules run (they are swapped in and
    /// out), so it never needs resizing; a constant, so that using it retains nothing.
    let frame = EvaluationFrame(fieldCount: 0, aggregatorCount: 0)
    /// The event's aggregates, by `AggregatorID.index`; in the frame while rules run.
    @exclusivity(unchecked) var aggregates: [Value?]
    @exclusivity(unchecked) var aggregators: [AggregatorState]
    @exclusivity(unchecked) var keyGroups: KeyGroups
    var cooldownLedger: CooldownLedger
    /// Fields named in the plan, plus the entity fields alerts are keyed by when a rule has no aggregate.
    var fieldTable: FieldTable
    /// The event clock, and the event ids kept for deduplication: what decides whether an event counts.
    @exclusivity(unchecked) var admission: EventAdmission
    @exclusivity(unchecked) private var eventsSinceEviction = 0
    /// The aggregators, by index, that record into a store the last reload started, until the
    /// owner has filled those stores with history (see ``backfill(_:from:messageTime:)``).
    @exclusivity(unchecked) var backfilling: [Int] = []
    /// Judges the history a backfill reads again as a replay would; started afresh by each reload
    /// and at the backfill's end, which drops what it held.
    @exclusivity(unchecked) var historyAdmission: EventAdmission

    /// - Parameter extraFields: fields to decode although no rule reads them, so the owner can
    ///   read them after an event (an input stage routes events on them) without decoding twice.
    package init(plan: RulePlan, options: EngineOptions = EngineOptions(), alsoDecoding extraFields: [FieldSpec] = []) {
        self.plan = plan
        self.options = options
        self.fieldTable = FieldTable(plan: plan, alsoDecoding: extraFields)
        self.decoder = EventDecoder(fields: fieldTable.specs, maximumMessageBytes: options.maximumMessageBytes)
        self.event = PaymentEvent(fieldCount: fieldTable.specs.count)
        self.aggregates = Array(repeating: nil, count: plan.aggregators.count)
        let aggregators = StateAssignment(plan: plan, existing: [:]).aggregators
        self.aggregators = aggregators
        self.keyGroups = KeyGroups(aggregators: aggregators)
        self.cooldownLedger = CooldownLedger(rules: plan.rules)
        self.statistics = EngineStatistics(rules: plan.rules)
        self.admission = EventAdmission(options: options)
        self.historyAdmission = EventAdmission(options: options)
    }

    /// The event time below which events are late: the newest event time of the source partition
    /// furthest behind less the allowed lateness (see ``EventTimeClock``).
    package var watermark: Int64 { admission.clock.watermark }

    /// Evaluates one message.
    /// - Parameters:
    ///   - now: wall-clock epoch milliseconds, recorded as the alerts' detection time.
    ///   - messageTime: the Kafka timestamp of the message that carried the event, when it came
    ///     from the input topic; an event time too far ahead of it is refused (see
    ///     ``EngineOptions/maximumTimeAheadMilliseconds``).
    package func process(_ bytes: UnsafeRawBufferPointer, source: EventSource, now: Int64, messageTime: Int64? = nil) -> EngineOutcome {
        statistics.eventsSeen += 1
        if let failure = decoder.decode(bytes, into: &event) {
            statistics.rejected += 1
            return .rejected(failure)
        }
        let time = event.timestamp
        switch admission.judge(event, source: source, messageTime: messageTime) {
        case .admitted:
            break
        case .aheadOfMessage(let messageTime):
            statistics.aheadOfMessage += 1
            return .aheadOfMessage(eventTime: time, messageTime: messageTime)
        case .late(let watermark):
            statistics.late += 1
            return .late(eventTime: time, watermark: watermark)
        case .duplicate(let firstOffset):
            statistics.duplicates += 1
            return .duplicate(eventID: event.eventID, firstOffset: firstOffset)
        }
        updateAggregates(at: time)
        frame.exchange(fields: &event.fields, aggregates: &aggregates)
        let alerts = evaluateRules(source: source, now: now)
        frame.exchange(fields: &event.fields, aggregates: &aggregates)
        evictExpiredState()
        return .evaluated(alerts)
    }

    /// The value of a decoded field in the event evaluated last: valid after `process` returned
    /// `.evaluated`, until the next `process`. Nil when the event lacks it or the field is not decoded.
    package func lastEventValue(ofField name: String) -> Value? {
        decodedFieldPosition(named: name).flatMap(lastEventValue(at:))
    }

    /// Where the field called `name` is decoded, for callers that read it for every event and
    /// should not look the name up each time; nil when it is not decoded.
    package func decodedFieldPosition(named name: String) -> Int? {
        fieldTable.index(named: name)
    }

    /// ``lastEventValue(ofField:)`` by a position from ``decodedFieldPosition(named:)``.
    package func lastEventValue(at position: Int) -> Value? {
        event.fields[position]
    }

    /// Works on the engine's own arrays, not the frame's: the frame is a class of another module,
    /// so each access to its arrays from here would be checked at run time.
    private func updateAggregates(at time: Int64) {
        let fields = event.fields
        keyGroups.findLanes(from: fields)
        observe(fields, at: time, into: &aggregates)
        keyGroups.forgetUnheldKeys()
    }

    private func observe(_ fields: [Value?], at time: Int64, into aggregates: inout [Value?]) {
        for index in aggregators.indices {
            // Unretained: the engine owns its aggregators, and a counted load would retain and
            // release each one around the call, for every event.
            let aggregator = Unmanaged.passUnretained(aggregators[index])
            aggregates[index] = aggregator._withUnsafeGuaranteedRef {
                $0.observe(fields, lane: keyGroups.lane(ofAggregator: index), at: time)
            }
        }
    }

    private func evaluateRules(source: EventSource, now: Int64) -> [Alert] {
        var alerts: [Alert] = []
        for index in plan.rules.indices {
            switch plan.rules[index].evaluate(frame) {
            case true?:
                statistics.rules[index].matched += 1
                if let alert = fire(ruleIndex: index, source: source, now: now) { alerts.append(alert) }
            case false?:
                break
            case nil:
                statistics.rules[index].unknown += 1
            }
        }
        return alerts
    }

    /// Every so many events, lets each store forget what no future event can reach.
    private func evictExpiredState() {
        eventsSinceEviction += 1
        guard eventsSinceEviction >= options.evictionInterval else { return }
        eventsSinceEviction = 0
        let horizon = watermark
        for index in aggregators.indices where aggregators[index].records { aggregators[index].store.advance(watermark: horizon) }
        cooldownLedger.forget(before: horizon, rules: plan.rules)
    }
}

/// What became of one message.
package enum EngineOutcome {
    /// Decoded and evaluated; the alerts may be empty.
    case evaluated([Alert])
    /// Not a valid event: it belongs in the dead-letter topic.
    case rejected(DecodeFailure)
    /// Older than the allowed lateness: windows have already forgotten its neighbours.
    case late(eventTime: Int64, watermark: Int64)
    /// Its event id was counted within the deduplication window, at `firstOffset` of the same
    /// partition: a second delivery of one payment, which no window counts again.
    case duplicate(eventID: String, firstOffset: Int64)
    /// Its event time is further ahead of its message's Kafka timestamp than the options allow:
    /// a wrong clock or unit upstream, which would otherwise move the event clock ahead and make
    /// every event after it late.
    case aheadOfMessage(eventTime: Int64, messageTime: Int64)

    /// Why a late event was set aside, as its dead letter says it: both times, and how far apart.
    package static func lateDetail(eventTime: Int64, watermark: Int64) -> String {
        let behind = ReadableDuration.text(milliseconds: watermark.clampedSubtracting(eventTime))
        return "event time \(RFC3339.format(milliseconds: eventTime)) is \(behind) before the watermark \(RFC3339.format(milliseconds: watermark))"
    }

    /// Why an event too far ahead was set aside, as its dead letter says it.
    package static func aheadDetail(eventTime: Int64, messageTime: Int64, limit: Int64) -> String {
        let ahead = ReadableDuration.text(milliseconds: eventTime.clampedSubtracting(messageTime))
        return "event time \(RFC3339.format(milliseconds: eventTime)) is \(ahead) after its message's timestamp "
            + "\(RFC3339.format(milliseconds: messageTime)), more than the \(ReadableDuration.text(milliseconds: limit)) allowed"
    }
}

/// Tuning that is not part of the rules.
package struct EngineOptions: Sendable {
    /// How far behind the newest event time an event may be and still count.
    package var allowedLatenessMilliseconds: Int64 = 10 * 60 * 1000
    /// How far, in event time, the source partition furthest behind may trail the leading one and
    /// still hold the watermark back (engines of repartition topics merge every input partition).
    package var maximumSourceSkewMilliseconds: Int64 = 15 * 60 * 1000
    package var maximumMessageBytes = 64 * 1024
    /// Events between eviction sweeps.
    package var evictionInterval = 1024
    /// How long, in event time, an event id is remembered so that a second delivery of the same
    /// payment is set aside instead of counted twice; nil (the default) counts every delivery.
    package var duplicateWindowMilliseconds: Int64?
    /// How far an event's time may be ahead of its input message's Kafka timestamp; nil (the
    /// default) accepts any. One event a year ahead would otherwise move its partition's event
    /// clock a year ahead, and every event after it would be late; the message timestamp, unlike
    /// the wall clock, is the same on every replay.
    package var maximumTimeAheadMilliseconds: Int64?

    package init() {}

    /// Whether an event at `eventTime`, carried by a message stamped `messageTime`, is further ahead than allowed.
    func isTooFarAhead(_ eventTime: Int64, of messageTime: Int64) -> Bool {
        guard let limit = maximumTimeAheadMilliseconds else { return false }
        return eventTime.clampedSubtracting(messageTime) > limit
    }
}
