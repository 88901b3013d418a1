import VigilEngine

/// Feeds an engine payments of ever new cards, each with its own account and device, so every
/// card adds one key to each of the reference plan's window stores.
///
/// Event time advances so little that the whole run fits inside the shortest window (five
/// minutes): nothing is evicted, and every event stays a retained entry. Amounts are small and a
/// card pays at most `eventsPerCard` (≤ 5) times, so no rule fires and no alert allocates.
struct KeyedFeed {
    let eventsPerCard: Int
    let uuidEventIDs: Bool
    /// The event time of the first event (2027-01-01T00:00:00Z, as in the benchmark workload).
    private let start: Int64 = 1_798_761_600_000
    /// Milliseconds of event time per event, so that `plannedEvents` span four minutes.
    private let spacing: Double
    private(set) var cards = 0
    private var events = 0
    private let source = EventSource(topic: "payments", partition: 0, offset: 0)

    init(eventsPerCard: Int, plannedEvents: Int, uuidEventIDs: Bool = false) {
        self.eventsPerCard = eventsPerCard
        self.uuidEventIDs = uuidEventIDs
        spacing = 240_000 / Double(max(plannedEvents, 1))
    }

    /// Feeds `count` new cards.
    mutating func feed(cards count: Int, into engine: Engine) {
        for _ in 0..<count {
            for _ in 0..<eventsPerCard {
                var message = event(card: cards)
                message.withUTF8 { _ = engine.process(UnsafeRawBufferPointer($0), source: source, now: 0) }
                events += 1
            }
            cards += 1
        }
    }

    private func event(card: Int) -> String {
        let time = start + Int64(Double(events) * spacing)
        let id = uuidEventIDs ? Self.uuidShaped(events) : "k-\(events)"
        return #"{"event_id":"\#(id)","ts":\#(time),"amount":12.50,"currency":"EUR","card_id":"c-\#(card)","#
            + #""account_id":"a-\#(card)","merchant_id":"m-\#(card % 20_000)","device_id":"d-\#(card)"}"#
    }

    /// A 36-character id shaped like a UUID, unique to `number`.
    private static func uuidShaped(_ number: Int) -> String {
        let digits = String(number, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - digits.count)) + digits
        return "5f0c2a1e-7b3d-4c8e-9a6f-" + tail
    }
}
