/// The dead-letter reasons the pipeline gives itself; a message that does not decode takes its
/// `DecodeFailure` reason instead.
enum DeadLetterReason {
    /// Older than the allowed lateness behind the watermark.
    static let late = "late_event"
    /// A second delivery of an event id within `--deduplicate-within`.
    static let duplicate = "duplicate_event"
    /// Further ahead of its message's timestamp than `--max-event-time-ahead` allows.
    static let ahead = "future_event"
    /// A repartition topic's message that is not a bundle this version can read.
    static let invalidRepartitionRecord = "invalid_repartition_record"

    /// Reasons whose counter exists from the start at zero, so that an alert on its increase
    /// sees the first one: a series that appears with its first increment has no earlier value
    /// to increase from.
    static let countedFromZero = [late, duplicate, ahead]
}
