/// The ids of the alerts shown lately, so that an alert published again is shown once.
///
/// Delivery is at least once: when a partition moves, its next owner replays what was not yet
/// committed and publishes those alerts again, with the same `alert_id`, seconds after the first
/// time. Remembering the latest ids, the oldest forgotten first, catches those repeats in bounded
/// memory.
struct RecentAlertIDs {
    private let capacity: Int
    private var members: Set<String> = []
    /// The ids in the order they were added, as a ring once full; `next` is the oldest then.
    private var order: [String] = []
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Adds `id`; false when it is among the latest ids already.
    mutating func insert(_ id: String) -> Bool {
        guard members.insert(id).inserted else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[next])
            order[next] = id
            next = (next + 1) % capacity
        }
        return true
    }
}
