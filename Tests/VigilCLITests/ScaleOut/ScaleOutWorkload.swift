import VigilEngine
import VigilTesting
import VigilTraffic

/// A deterministic stream of payments whose alerts are known before any replica runs.
///
/// Every key's payments come through one input partition in order (an account and a device
/// belong to one card), so the alerts do not depend on how partitions are spread over replicas
/// or on when they move: the alert ids of any correct run equal those of one engine reading the
/// whole stream. Bursts are planted so that every rule fires many times.
struct ScaleOutWorkload {
    static let rules = """
        rules:
          - id: large-amount
            description: One payment above 5000
            severity: high
            expression: amount > 5000
          - id: card-velocity
            description: Five payments on one card within a minute
            severity: medium
            cooldown: 2m
            expression: count(by: card_id, over: 1m) > 4
          - id: account-spend
            description: More than 6000 spent on one account in ten minutes
            severity: high
            cooldown: 10m
            expression: sum(amount, by: account_id, over: 10m) > 6000
          - id: device-velocity
            description: Eight payments from one device in two minutes
            severity: low
            cooldown: 5m
            expression: count(by: device_id, over: 2m) > 7
        """
    /// The input and the repartition topics of consumer group `group`.
    static func topics(group: String) -> [String] {
        ["payments", "\(group)-payments-by-account_id", "\(group)-payments-by-device_id"]
    }

    /// Messages in production order, keyed by card.
    let messages: [(key: String, value: String)]

    init(events: Int, cards: Int = 300, seed: UInt64 = 7) {
        var random = SplitMix64(seed: seed)
        func next(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &random) }
        let start: Int64 = 1_700_000_000_000
        var messages: [(key: String, value: String)] = []
        var burst: (card: Int, left: Int)?
        for index in 0..<events {
            var card = next(cards)
            var amount = String(10 + next(290))
            if index % 400 == 0 { burst = (next(cards), 6) }
            if let current = burst, index % 5 == 0 {
                card = current.card
                amount = index % 10 == 0 ? "1400" : "25"
                burst = current.left > 1 ? (current.card, current.left - 1) : nil
            }
            if index % 700 == 350 { amount = "6000.50" }
            let fields = ["card_id": "c-\(card)", "account_id": "a-\(card / 2)", "device_id": "d-\(card)", "merchant_id": "m-\(next(40))"]
            // Accounts hold two cards: keep each account on one card's partition by keying its
            // second card's payments with the first card's key.
            let key = "c-\(card - card % 2)"
            messages.append((key, TestEvent.json(id: "e\(index)", ts: start + Int64(index) * 100, amount: amount, fields)))
        }
        self.messages = messages
    }

    /// Alert ids one engine reading the whole stream in order publishes (shadow rules aside).
    func expectedAlertIDs() throws -> Set<String> {
        try Self.alertIDs(of: messages.map(\.value))
    }

    /// Alert ids one engine with the workload's rules raises reading `values` in order.
    static func alertIDs(of values: some Sequence<String>) throws -> Set<String> {
        let driver = try EngineTestDriver(rules: rules)
        var ids: Set<String> = []
        for value in values {
            for alert in driver.alerts(value) { ids.insert(alert.alertID) }
        }
        return ids
    }
}
