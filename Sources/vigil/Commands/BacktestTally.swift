import VigilEngine
import VigilEvents
import VigilRules

/// One alert as `--compare` matches it: the same id, rule and key in both runs is the same alert
/// (an alert id is the rule's and the event's, so the event's time and place agree as well).
/// The event is kept so that a change can be looked up in the input.
struct AlertIdentity: Hashable, Comparable {
    let alertID: String
    let ruleID: String
    let key: String
    let eventID: String
    let eventTime: Int64
    let source: EventSource

    init(_ alert: Alert) {
        alertID = alert.alertID
        ruleID = alert.ruleID
        key = alert.messageKey
        eventID = alert.eventID
        eventTime = alert.eventTime
        source = alert.source
    }

    /// By rule, then in event time.
    static func < (lhs: AlertIdentity, rhs: AlertIdentity) -> Bool {
        (lhs.ruleID, lhs.eventTime, lhs.key, lhs.alertID) < (rhs.ruleID, rhs.eventTime, rhs.key, rhs.alertID)
    }
}

/// What one rule set raised over a backtest's input: counts, keys, a few examples, and (for
/// `--compare`) every alert's identity.
struct BacktestTally {
    let engine: Engine
    let keepsIdentities: Bool
    private(set) var alertsByRule: [String: Int] = [:]
    private(set) var keysByRule: [String: [String: Int]] = [:]
    private(set) var examples: [Alert] = []
    private(set) var identities: Set<AlertIdentity> = []
    private(set) var rejectedByReason: [String: Int] = [:]
    let exampleLimit: Int

    init(plan: RulePlan, options: EngineOptions, keepsIdentities: Bool, exampleLimit: Int) {
        engine = Engine(plan: plan, options: options)
        self.keepsIdentities = keepsIdentities
        self.exampleLimit = exampleLimit
    }

    /// Evaluates one line; `source` names the file and line number the alerts will cite, and
    /// `messageTime` is the Kafka timestamp of an event read from a topic.
    mutating func process(_ bytes: UnsafeRawBufferPointer, source: EventSource, messageTime: Int64?, now: Int64) {
        switch engine.process(bytes, source: source, now: now, messageTime: messageTime) {
        case .evaluated(let alerts):
            for alert in alerts { record(alert) }
        case .rejected(let failure):
            rejectedByReason[failure.reason.code, default: 0] += 1
        case .late, .duplicate, .aheadOfMessage:
            break
        }
    }

    private mutating func record(_ alert: Alert) {
        alertsByRule[alert.ruleID, default: 0] += 1
        keysByRule[alert.ruleID, default: [:]][alert.messageKey, default: 0] += 1
        if examples.count < exampleLimit, !examples.contains(where: { $0.ruleID == alert.ruleID }) { examples.append(alert) }
        if keepsIdentities { identities.insert(AlertIdentity(alert)) }
    }

    /// The `limit` keys with the most alerts for `ruleID`, most first (ties by key).
    func topKeys(_ ruleID: String, limit: Int) -> [(key: String, count: Int)] {
        let keys = keysByRule[ruleID] ?? [:]
        return keys.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(limit).map { ($0.key, $0.value) }
    }
}
