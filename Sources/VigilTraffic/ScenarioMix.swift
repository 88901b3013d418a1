/// How often each kind of planted fraud appears, for traffic that is drawn rather than fixed.
///
/// Rates are instances per 10,000 traffic slots (one slot is one ordinary payment, or one whole
/// planted instance: a card-testing burst is 8 payments, an account takeover 4, impossible travel 3),
/// so an operator can reason about "4 bursts in every 10,000 payments" without knowing the layout.
package struct ScenarioMix: Sendable, Equatable {
    /// The planted kinds in the order they are drawn; `normal` is whatever remains.
    package static let plantedKinds: [TrafficMessage.Kind] = [
        .cardTesting, .accountTakeover, .largeAmount, .impossibleTravel, .malformed,
    ]

    /// Instances per 10,000 slots, by kind; kinds not listed are not planted.
    package var perTenThousand: [TrafficMessage.Kind: Int]

    package init(perTenThousand: [TrafficMessage.Kind: Int]) {
        self.perTenThousand = perTenThousand
    }

    /// The kind planted in a slot whose draw is `draw` in 0..<10,000.
    func kind(forDraw draw: Int) -> TrafficMessage.Kind {
        var bound = 0
        for kind in Self.plantedKinds {
            bound += max(0, perTenThousand[kind] ?? 0)
            if draw < bound { return kind }
        }
        return .normal
    }
}

/// Who pays and from where, when a planted scenario needs something other than the card's home.
struct PaymentPlace {
    let account: String
    let device: String
    let country: String
}
