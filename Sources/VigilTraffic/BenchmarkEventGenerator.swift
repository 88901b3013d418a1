/// Writes ``BenchmarkTraffic``'s events one at a time, straight into a byte buffer.
struct BenchmarkEventGenerator {
    private static let countries: [StaticString] = ["DE", "FR", "GB", "US", "NL", "ES", "IT", "SE"]
    private static let currencies: [StaticString] = ["EUR", "EUR", "EUR", "USD", "GBP"]
    private static let channels: [StaticString] = ["ecom", "ecom", "pos"]
    private static let mccs: [StaticString] = ["5411", "5812", "5999", "4111", "7011", "5732"]

    private let configuration: BenchmarkTraffic.Configuration
    private let cards: ZipfDistribution
    private let merchants: ZipfDistribution
    private var random: SplitMix64
    private var produced: UInt64 = 0
    private var newestTime: Int64

    init(configuration: BenchmarkTraffic.Configuration) {
        self.configuration = configuration
        cards = ZipfDistribution(
            count: configuration.cards, exponent: configuration.zipfExponent, offset: configuration.zipfOffset)
        merchants = ZipfDistribution(count: configuration.merchants, exponent: configuration.zipfExponent)
        random = SplitMix64(seed: configuration.seed)
        newestTime = configuration.startTime
    }

    /// Appends one JSON event of about 300 bytes.
    mutating func appendEvent(to out: inout [UInt8]) {
        produced += 1
        let card = scatter(cards.sample(using: &random), over: configuration.cards)
        let merchant = merchantFor(card)
        var text = JSONText(out: out)
        out = []
        text.field("event_id", prefix: "evt-", configuration.seed &* 1_000_000_000 &+ produced, first: true)
        text.number("ts", eventTime())
        text.raw("amount", amountText())
        text.string("currency", pick(Self.currencies))
        text.field("card_id", prefix: "c-", UInt64(card))
        text.field("account_id", prefix: "a-", entity(card, over: configuration.accounts, salt: 1))
        text.field("merchant_id", prefix: "m-", UInt64(merchant))
        text.string("mcc", pick(Self.mccs))
        text.string("country", pick(Self.countries))
        text.string("channel", pick(Self.channels))
        text.field("device_id", prefix: "d-", deviceOf(card))
        text.ip("ip", random.next())
        text.field("session_id", prefix: "s-", random.next() % 10_000_000_000)
        text.field("terminal_id", prefix: "t-", UInt64(merchant) &* 16 &+ random.next() % 16)
        text.close()
        out = text.out
    }

    /// In-order time most of the time; otherwise up to the maximum disorder behind the newest time.
    private mutating func eventTime() -> UInt64 {
        newestTime += configuration.spacingMilliseconds
        let draw = Double(random.next() >> 11) * 0x1p-53
        guard draw < configuration.outOfOrderShare, configuration.maximumDisorderMilliseconds > 0 else {
            return UInt64(clamping: newestTime)
        }
        let lag = Int64(random.next() % UInt64(configuration.maximumDisorderMilliseconds)) + 1
        return UInt64(clamping: newestTime - lag)
    }

    /// One of the card's two regular merchants most of the time, as people shop; otherwise any merchant.
    private mutating func merchantFor(_ card: Int) -> UInt64 {
        guard random.next() % 100 < 90 else {
            return UInt64(scatter(merchants.sample(using: &random), over: configuration.merchants))
        }
        return entity(card, over: configuration.merchants, salt: 3 + random.next() % 2)
    }

    /// A device per card most of the time, and now and then a device shared across cards.
    private mutating func deviceOf(_ card: Int) -> UInt64 {
        random.next() % 20 == 0
            ? random.next() % UInt64(max(configuration.devices, 1))
            : entity(card, over: configuration.devices, salt: 2)
    }

    /// Mostly tens of units, a tail into the thousands, and now and then (0.2 %) a large payment.
    private mutating func amountText() -> [UInt8] {
        var cents = 100 + random.next() % 8_000
        if random.next() % 10 == 0 { cents += random.next() % 100_000 }
        if random.next() % 500 == 0 { cents += random.next() % 2_500_000 }
        let fraction = cents % 100
        return Array("\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)".utf8)
    }

    private mutating func pick(_ choices: [StaticString]) -> StaticString {
        choices[Int(random.next() % UInt64(choices.count))]
    }

    /// Spreads Zipf ranks over the id space so that popular entities are not simply the smallest ids.
    private func scatter(_ rank: Int, over count: Int) -> Int {
        count > 1 ? Int((UInt64(rank) &* 2_654_435_761) % UInt64(count)) : 0
    }

    /// A stable entity of another kind for a card, such as its account.
    private func entity(_ card: Int, over count: Int, salt: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: UInt64(card) ^ (salt << 48))
        return mixer.next() % UInt64(max(count, 1))
    }
}
