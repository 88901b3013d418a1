/// Trips when bad input stops being an exception: too many consecutive failures, or too large a
/// share of failures among the most recent messages.
///
/// Dead-lettering is right for the odd malformed event; it is wrong for a producer that started
/// writing a new format, which would otherwise move the whole topic into the dead-letter topic.
/// A pure state machine: the pipeline feeds it outcomes and acts on its verdict.
package struct BadInputGuard {
    package struct Limits: Sendable {
        /// Consecutive bad messages that trip the guard.
        package var maximumConsecutive = 1000
        /// The share of bad messages among the last `interval` that trips the guard (0…1).
        package var maximumShare = 0.5
        /// How many recent messages the share is measured over; it is judged only once this many were seen.
        package var interval = 10_000

        package init() {}
    }

    enum Verdict: Equatable {
        case proceed
        case trip(reason: String)
    }

    private let limits: Limits
    private var recent: [Bool]
    private var position = 0
    private var seen = 0
    private var badInInterval = 0
    private(set) var consecutiveBad = 0

    init(limits: Limits) {
        self.limits = limits
        self.recent = Array(repeating: false, count: max(1, limits.interval))
    }

    mutating func record(isBad: Bool) -> Verdict {
        if recent[position] { badInInterval -= 1 }
        recent[position] = isBad
        position = (position + 1) % recent.count
        seen += 1
        if isBad {
            badInInterval += 1
            consecutiveBad += 1
        } else {
            consecutiveBad = 0
        }
        return verdict()
    }

    private func verdict() -> Verdict {
        if consecutiveBad >= limits.maximumConsecutive {
            return .trip(reason: "\(consecutiveBad) consecutive bad messages (limit \(limits.maximumConsecutive))")
        }
        if seen >= recent.count, Double(badInInterval) > limits.maximumShare * Double(recent.count) {
            return .trip(reason: "\(badInInterval) of the last \(recent.count) messages were bad (limit \(Int(limits.maximumShare * 100)) %)")
        }
        return .proceed
    }
}
