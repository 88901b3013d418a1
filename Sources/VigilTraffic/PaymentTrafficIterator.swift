/// Produces `PaymentTraffic`'s messages one at a time.
package struct PaymentTrafficIterator: IteratorProtocol, Sendable {
    private static let merchants = (0..<400).map { "m-\($0)" }
    static let countries = ["DE", "FR", "GB", "US", "NL", "ES", "IT", "SE"]
    private static let currencies = ["EUR", "EUR", "EUR", "USD", "GBP"]
    private static let malformed: [String] = [
        "{\"event_id\": \"broken-1\", \"ts\": 1798761600000, \"amount\": ",
        "{\"ts\": 1798761600000, \"amount\": 10, \"card_id\": \"c-1\"}",
        "{\"event_id\": \"broken-3\", \"ts\": \"yesterday\", \"amount\": 10}",
        "{\"event_id\": \"broken-4\", \"ts\": 1798761600000, \"amount\": \"12.00\"}",
        "not json at all",
    ]

    private let configuration: PaymentTraffic.Configuration
    var random: SplitMix64
    var produced = 0
    private var time: Int64
    var pending: [TrafficMessage] = []
    private var plantedBursts = 0

    init(configuration: PaymentTraffic.Configuration) {
        self.configuration = configuration
        self.random = SplitMix64(seed: configuration.seed)
        self.time = configuration.startTime
    }

    package mutating func next() -> TrafficMessage? {
        guard produced < configuration.eventCount else { return nil }
        if pending.isEmpty { refill() }
        produced += 1
        return pending.removeFirst()
    }

    private mutating func refill() {
        time += configuration.spacingMilliseconds
        if let mix = configuration.scenarios { return refill(drawingFrom: mix) }
        let position = produced % configuration.fraudEvery
        switch position {
        case configuration.fraudEvery / 4: plantCardTestingBurst()
        case configuration.fraudEvery / 2: pending.append(payment(kind: .largeAmount, card: randomCard(), amount: "25000.00"))
        case 3 * configuration.fraudEvery / 4: plantMalformed()
        default: pending.append(payment(kind: .normal, card: randomCard(), amount: ordinaryAmount()))
        }
    }

    /// Eight small authorisations on one fresh card, 2 s apart: the signature of card testing.
    mutating func plantCardTestingBurst() {
        plantedBursts += 1
        let card = "c-test-\(plantedBursts)"
        for attempt in 0..<8 {
            let amount = "\(1 + attempt % 3).\(10 + attempt)"
            pending.append(payment(kind: .cardTesting, card: card, amount: amount, offset: Int64(attempt) * 2_000))
        }
    }

    mutating func plantMalformed() {
        let text = Self.malformed[Int(random.next() % UInt64(Self.malformed.count))]
        pending.append(TrafficMessage(kind: .malformed, key: nil, value: Array(text.utf8)))
    }

    /// `place` overrides the card's home account, device and country, for planted scenarios.
    mutating func payment(
        kind: TrafficMessage.Kind, card: String, amount: String, offset: Int64 = 0, place: PaymentPlace? = nil
    ) -> TrafficMessage {
        let id = "evt-\(configuration.seed)-\(produced + pending.count)"
        let merchant = Self.merchants[Int(random.next() % UInt64(Self.merchants.count))]
        // A card pays from its home country: ordinary traffic must not look like impossible travel.
        let country = place?.country ?? Self.countries[(Int(card.hashSuffix) ?? 0) % Self.countries.count]
        let currency = Self.currencies[Int(random.next() % UInt64(Self.currencies.count))]
        let channel = random.next() % 3 == 0 ? "pos" : "ecom"
        let account = place?.account ?? "a-\(card.hashSuffix)"
        let device = place?.device ?? "d-\(card.hashSuffix)"
        let json = """
            {"event_id":"\(id)","ts":\(time + offset),"amount":\(amount),"currency":"\(currency)",\
            "card_id":"\(card)","account_id":"\(account)","merchant_id":"\(merchant)","mcc":"5411",\
            "country":"\(country)","channel":"\(channel)","device_id":"\(device)",\
            "ip":"198.51.100.\(random.next() % 250)"}
            """
        return TrafficMessage(kind: kind, key: card, value: Array(json.utf8))
    }

    mutating func randomCard() -> String {
        "c-\(random.next() % UInt64(configuration.cards))"
    }

    /// Mostly small amounts with a long tail, always below the large-amount limit.
    mutating func ordinaryAmount() -> String {
        let cents = 100 + random.next() % 20_000 + (random.next() % 10 == 0 ? random.next() % 300_000 : 0)
        return "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
    }
}

extension String {
    /// The digits after the last dash, so a card's account and device are stable.
    fileprivate var hashSuffix: Substring {
        self[(lastIndex(of: "-").map(index(after:)) ?? startIndex)...]
    }
}
