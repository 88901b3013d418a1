/// One number a scenario measured, with the target it is held against.
///
/// A figure whose run did not hold (a consumer fell behind the mock cluster's retention, messages
/// were skipped) keeps its measured value for the record but carries the `failed` verdict: a rate
/// that lost data is not a rate.
package struct Figure: Codable, Sendable {
    package enum Verdict: String, Codable, Sendable {
        /// The figure meets its target.
        case met
        /// The run held, but the figure misses its target.
        case missed
        /// The run itself did not hold; see the scenario's failures.
        case failed
        /// Recorded for comparison; there is no target.
        case info
    }

    package let name: String
    package let value: Double
    package let unit: String
    /// The target in words, such as "≥ 80 %" (nil when there is none).
    package let target: String?
    package let verdict: Verdict
    /// Settings or context needed to read the figure.
    package let note: String

    package init(_ name: String, _ value: Double, unit: String, target: String? = nil, verdict: Verdict = .info, note: String = "") {
        self.name = name
        self.value = value
        self.unit = unit
        self.target = target
        self.verdict = verdict
        self.note = note
    }
}

/// What one scenario measured, as written to its JSON part and merged into the run's file.
package struct ScenarioReport: Codable, Sendable {
    package let scenario: String
    /// The settings the figures were measured with (rates, durations, librdkafka properties).
    package var settings: [String: String]
    package var figures: [Figure] = []
    /// Every measured run in order with its outcome, including the steps of a rate search that
    /// were expected not to hold, so a reader can see how a figure was reached.
    package var runs: [String] = []
    /// What did not hold and invalidates a figure, in words; a non-empty list makes the suite exit non-zero.
    package var failures: [String] = []

    package init(scenario: String, settings: [String: String] = [:]) {
        self.scenario = scenario
        self.settings = settings
    }
}
