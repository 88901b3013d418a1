import Logging

/// Holds a client's librdkafka log lines from its creation until a broker has answered, so that a
/// command that cannot reach Kafka leads with its own explanation (which quotes librdkafka's reason)
/// instead of librdkafka's lines.
///
/// A pure state machine: the owner logs the lines it hands back, outside the lock that guards it.
/// Once released, every line passes through at once, as before; lines set aside after a failed
/// start are logged at debug level, and holding goes on until a later attempt succeeds.
struct StartupLog {
    /// One line of librdkafka's log.
    struct Line: Equatable {
        let level: Logger.Level
        let facility: String
        let text: String
    }

    /// More lines than this while no broker answers are counted, not kept.
    static let capacity = 100

    private var held: [Line] = []
    private var dropped = 0
    private var isReleased = false

    /// The line to log now, or nil when it is held.
    mutating func receive(_ line: Line) -> Line? {
        guard !isReleased else { return line }
        if held.count < Self.capacity { held.append(line) } else { dropped += 1 }
        return nil
    }

    /// A broker answered, or the client was put to use: the held lines, to log at their own
    /// levels, and from now on every line passes through.
    mutating func release() -> (lines: [Line], dropped: Int) {
        isReleased = true
        return takeHeld()
    }

    /// No broker answered, and the error that says so quotes librdkafka's reason: the held lines,
    /// to log at debug level; later lines are held again.
    mutating func setAside() -> (lines: [Line], dropped: Int) {
        takeHeld()
    }

    private mutating func takeHeld() -> (lines: [Line], dropped: Int) {
        defer {
            held = []
            dropped = 0
        }
        return (held, dropped)
    }
}
