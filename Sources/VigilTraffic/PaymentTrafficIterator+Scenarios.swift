extension PaymentTrafficIterator {
    /// Fills one slot by drawing its kind from `mix`.
    mutating func refill(drawingFrom mix: ScenarioMix) {
        switch mix.kind(forDraw: Int(random.next() % 10_000)) {
        case .cardTesting: plantCardTestingBurst()
        case .accountTakeover: plantAccountTakeover()
        case .largeAmount: pending.append(payment(kind: .largeAmount, card: randomCard(), amount: "25000.00"))
        case .impossibleTravel: plantImpossibleTravel()
        case .malformed: plantMalformed()
        case .normal: pending.append(payment(kind: .normal, card: randomCard(), amount: ordinaryAmount()))
        }
    }

    /// One account paying from four devices, 30 s apart: credentials used by someone else.
    private mutating func plantAccountTakeover() {
        let instance = produced + pending.count
        let country = Self.countries[instance % Self.countries.count]
        for attempt in 0..<4 {
            let place = PaymentPlace(account: "a-ato-\(instance)", device: "d-ato-\(instance)-\(attempt)", country: country)
            let amount = ordinaryAmount()
            pending.append(
                payment(kind: .accountTakeover, card: "c-ato-\(instance)", amount: amount, offset: Int64(attempt) * 30_000, place: place)
            )
        }
    }

    /// One card in three countries within four minutes: no traveller is that fast.
    private mutating func plantImpossibleTravel() {
        let instance = produced + pending.count
        let first = Int(random.next() % UInt64(Self.countries.count))
        for hop in 0..<3 {
            let country = Self.countries[(first + hop) % Self.countries.count]
            let place = PaymentPlace(account: "a-travel-\(instance)", device: "d-travel-\(instance)", country: country)
            let amount = ordinaryAmount()
            pending.append(
                payment(kind: .impossibleTravel, card: "c-travel-\(instance)", amount: amount, offset: Int64(hop) * 120_000, place: place)
            )
        }
    }
}
