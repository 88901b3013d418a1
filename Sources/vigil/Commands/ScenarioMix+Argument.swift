import ArgumentParser
import VigilTraffic

/// `--mix card-testing=5,ato=2,...`: how many instances of each planted scenario per 10,000 slots.
extension ScenarioMix: ExpressibleByArgument {
    static let names: [(name: String, kind: TrafficMessage.Kind)] = [
        ("card-testing", .cardTesting), ("account-takeover", .accountTakeover), ("ato", .accountTakeover),
        ("large-amount", .largeAmount), ("impossible-travel", .impossibleTravel), ("travel", .impossibleTravel),
        ("malformed", .malformed),
    ]

    /// Five of each in every 10,000 slots: rare enough to look like traffic, frequent enough to see.
    static let standard = ScenarioMix(perTenThousand: [.cardTesting: 5, .accountTakeover: 5, .largeAmount: 5, .impossibleTravel: 5, .malformed: 5])

    public init?(argument: String) {
        var rates: [TrafficMessage.Kind: Int] = [:]
        guard argument != "none" else {
            self.init(perTenThousand: [:])
            return
        }
        for pair in argument.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Self.names.first(where: { $0.name == parts[0] })?.kind,
                let rate = Int(parts[1]), rate >= 0
            else { return nil }
            rates[kind] = rate
        }
        guard rates.values.reduce(0, +) <= 10_000 else { return nil }
        self.init(perTenThousand: rates)
    }

    public var defaultValueDescription: String {
        Self.plantedKinds.map { kind in "\(Self.names.first { $0.kind == kind }?.name ?? kind.rawValue)=\(perTenThousand[kind] ?? 0)" }
            .joined(separator: ",")
    }
}
