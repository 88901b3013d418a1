import VigilRules
import VigilValues
import VigilWindows

/// When each rule last fired for each key, in event time, and what it held back since.
struct CooldownLedger: Sendable {
    private struct Entry {
        var lastFired: Int64
        var suppressed: Int
        /// The in-order alert before `lastFired` while its cooldown still reaches an admitted time,
        /// else `.min`: inline, since most keys that fire again have one and no other.
        var previousFired = Int64.min
        /// The key's older alerts and alerts of late matches whose cooldown still reaches an
        /// admitted time, in time order. Empty and unallocated for nearly every key.
        ///
        /// A late match within a cooldown of any of these alerts is held back too. A snapshot
        /// writes `lastFired` only: a restore forgets the others.
        var earlierFirings: [Int64] = []

        mutating func rememberEarlier(_ fired: Int64) {
            earlierFirings.insert(fired, at: earlierFirings.firstIndex { $0 > fired } ?? earlierFirings.endIndex)
        }
    }

    /// A rule's keys are not worth a forgetting pass below this many.
    private static let minimumPass = 256

    private var entries: [[String: Entry]]
    /// Per rule, the number of keys at which the next forgetting pass runs.
    private var nextPass: [Int]

    init(rules: [CompiledRule]) {
        entries = Array(repeating: [:], count: rules.count)
        nextPass = Array(repeating: Self.minimumPass, count: rules.count)
    }

    /// The ledger for a new rule set: rules that keep their id keep their history.
    func carried(from rules: [CompiledRule], to newRules: [CompiledRule]) -> CooldownLedger {
        var ledger = CooldownLedger(rules: newRules)
        let oldIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, rule) in newRules.enumerated() {
            if let old = oldIndex[rule.id] { ledger.entries[index] = entries[old] }
        }
        return ledger
    }

    enum Decision {
        case fire(suppressedSincePrevious: Int)
        case suppress
    }

    /// Decides whether a firing at `time` passes the cooldown, and records the outcome.
    ///
    /// The key's entry is found once and changed in place: a read followed by a write hashed the
    /// key again, for every match, and most matches of a rule with a cooldown are held back.
    /// - Parameter horizon: the earliest event time still admitted (the engine's watermark):
    ///   late alerts a cooldown before it can hold nothing back any more.
    mutating func decide(rule: Int, key: String, time: Int64, cooldown: Int64, horizon: Int64) -> Decision {
        Self.decide(&entries[rule][key], time: time, cooldown: cooldown, horizon: horizon)
    }

    /// A match within a cooldown of one of the key's alerts, before or after it, is held back. A
    /// late match a cooldown or more from every alert fires on its own (it reports nothing held
    /// back, and the latest alert stays the one in-order matches are judged against): holding it
    /// back would lose the alert of a payment no other alert covers.
    private static func decide(_ entry: inout Entry?, time: Int64, cooldown: Int64, horizon: Int64) -> Decision {
        guard var found = entry else {
            entry = Entry(lastFired: time, suppressed: 0)
            return .fire(suppressedSincePrevious: 0)
        }
        // Clamped: a restored snapshot's times are not bounded by the decoder's range of event times.
        func covers(_ fired: Int64) -> Bool {
            time < fired.clampedAdding(cooldown) && time > fired.clampedSubtracting(cooldown)
        }
        func reachesAdmittedTime(_ fired: Int64) -> Bool {
            fired.clampedAdding(cooldown) > horizon
        }
        let hasPrevious = found.previousFired != .min
        if covers(found.lastFired) || hasPrevious && covers(found.previousFired) || found.earlierFirings.contains(where: covers) {
            entry?.suppressed += 1
            return .suppress
        }
        found.earlierFirings.removeAll { !reachesAdmittedTime($0) }
        if hasPrevious, !reachesAdmittedTime(found.previousFired) { found.previousFired = .min }
        if time < found.lastFired {
            found.rememberEarlier(time)
            entry = found
            return .fire(suppressedSincePrevious: 0)
        }
        if found.previousFired != .min { found.rememberEarlier(found.previousFired) }
        found.previousFired = reachesAdmittedTime(found.lastFired) ? found.lastFired : .min
        let suppressed = found.suppressed
        found.lastFired = time
        found.suppressed = 0
        entry = found
        return .fire(suppressedSincePrevious: suppressed)
    }

    /// Drops keys whose cooldown ended before `horizon` and that have nothing held back to report.
    ///
    /// A pass rebuilds the rule's dictionary, so it runs only once the rule's keys have doubled
    /// since the previous pass: the work stays proportional to the firings, where a pass on every
    /// eviction sweep cost more than the rest of the engine for rules with long cooldowns. Keeping
    /// such a key longer changes no decision: its cooldown has ended and it holds nothing back.
    mutating func forget(before horizon: Int64, rules: [CompiledRule]) {
        for (index, rule) in rules.enumerated() {
            guard let cooldown = rule.cooldownMilliseconds, entries[index].count >= nextPass[index] else { continue }
            entries[index] = entries[index].filter { $0.value.suppressed > 0 || $0.value.lastFired.clampedAdding(cooldown) >= horizon }
            nextPass[index] = max(Self.minimumPass, 2 * entries[index].count)
        }
    }
}

extension CooldownLedger {
    /// Appends every rule's keys, by rule id, so a snapshot restores them under a changed rule set.
    func write(ruleIDs: [String], to writer: inout SnapshotWriter) {
        writer.writeVarint(UInt64(ruleIDs.count))
        for (index, ruleID) in ruleIDs.enumerated() {
            writer.writeString(ruleID)
            writer.writeVarint(UInt64(entries[index].count))
            for (key, entry) in entries[index].sorted(by: { $0.key < $1.key }) {
                writer.writeString(key)
                writer.writeSigned(entry.lastFired)
                writer.writeVarint(UInt64(entry.suppressed))
            }
        }
    }

    /// The ledger a snapshot wrote, for `rules`: a rule the snapshot does not name starts afresh.
    init(from reader: inout SnapshotReader, rules: [CompiledRule]) throws(WindowSnapshotError) {
        self.init(rules: rules)
        let index = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for _ in 0..<(try reader.readCount()) {
            let ruleID = try reader.readString()
            var keys: [String: Entry] = [:]
            for _ in 0..<(try reader.readCount()) {
                let key = try reader.readString()
                let lastFired = try reader.readSigned()
                guard let suppressed = Int(exactly: try reader.readVarint()) else { throw .malformed("suppressed count") }
                keys[key] = Entry(lastFired: lastFired, suppressed: suppressed)
            }
            if let position = index[ruleID] { entries[position] = keys }
        }
    }
}
