import VigilValues
import Yams

/// Reads one rule-test file, reporting every structural mistake with its location.
struct RuleTestReader {
    private static let caseKeys = ["name", "rules", "allowed_lateness", "events"]
    private static let reservedEventKeys = ["at", "ts", "expect", "expect_suppressed", "expect_late", "event_id"]

    let file: SourceFile
    /// The ids of the rule set under test; a test naming any other id could never pass.
    let knownRuleIDs: Set<String>
    /// The rules that have a cooldown: only their firings can be expected to be held back.
    let rulesWithCooldown: Set<String>
    /// The fields the rule set knows, so an event's values are read as the rules will read them.
    let fieldTypes: [String: ValueType]
    private(set) var diagnostics: [Diagnostic] = []
    /// The line of each test name read so far: a failure is reported by its test's name, so two
    /// tests of one name could not be told apart.
    private var nameLines: [String: Int] = [:]

    init(file: SourceFile, knownRuleIDs: Set<String>, rulesWithCooldown: Set<String>, fieldTypes: [String: ValueType]) {
        self.file = file
        self.knownRuleIDs = knownRuleIDs
        self.rulesWithCooldown = rulesWithCooldown
        self.fieldTypes = fieldTypes
    }

    mutating func read() -> [RuleTestCase] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: file.text)
        } catch {
            diagnostics.append(file.yamlDiagnostic(error))
            return []
        }
        guard let tests = root?.mapping?["tests"]?.sequence else {
            diagnostics.append(file.diagnostic("a rule-test file is a mapping with a tests: list", line: 1, column: 1))
            return []
        }
        return tests.enumerated().compactMap { readCase($1, number: $0 + 1) }
    }

    private mutating func readCase(_ node: Node, number: Int) -> RuleTestCase? {
        guard let mapping = node.mapping else { return fail(node, "a test is a mapping with name: and events:") }
        for key in mapping.keys where !Self.caseKeys.contains(key.string ?? "") {
            report(key, "unknown key '\(key.string ?? "")' in a test" + Suggestion.hint(for: key.string ?? "", among: Self.caseKeys))
        }
        guard let nameNode = mapping["name"], let name = nameNode.string else { return fail(node, "the test needs a name:") }
        if let line = nameLines[name] {
            report(nameNode, "a test named '\(name)' comes earlier, at line \(line); give each test a name of its own", length: name.unicodeScalars.count)
        } else {
            nameLines[name] = nameNode.mark?.line ?? 1
        }
        guard let events = mapping["events"]?.sequence, !events.isEmpty else {
            return fail(node, "the test '\(name)' needs a non-empty events: list")
        }
        let rules = mapping["rules"].map { ruleIDs($0) }
        let lateness = allowedLateness(mapping)
        let parsed = events.enumerated().compactMap { readEvent($1, id: "\(number)-\($0 + 1)", judging: rules) }
        guard parsed.count == events.count else { return nil }
        return RuleTestCase(
            name: name, location: location(node), rules: rules, allowedLatenessMilliseconds: lateness, events: parsed)
    }

    /// The test's `allowed_lateness:`, read as `vigil run --allowed-lateness` reads it.
    private mutating func allowedLateness(_ mapping: Node.Mapping) -> Int64 {
        guard let node = mapping["allowed_lateness"] else { return RuleTestLoader.defaultAllowedLateness }
        guard let milliseconds = node.string.flatMap(ReadableDuration.milliseconds) else {
            report(node, "allowed_lateness: is a duration such as 10m, 90s or 0s, as vigil run's --allowed-lateness")
            return RuleTestLoader.defaultAllowedLateness
        }
        return milliseconds
    }

    /// - Parameter judged: the test's `rules:`, when it has one.
    private mutating func readEvent(_ node: Node, id defaultID: String, judging judged: [String]?) -> RuleTestEvent? {
        guard let mapping = node.mapping else { return fail(node, "an event is a mapping of fields, with at: or ts:") }
        guard let time = readTime(mapping, at: node) else { return nil }
        let eventID = mapping["event_id"]?.string ?? defaultID
        let expected = Set(mapping["expect"].map { expectedIDs($0, judging: judged) } ?? [])
        let suppressed = mapping["expect_suppressed"].map { suppressedIDs($0, judging: judged, firing: expected) }
        let isLate = isExpectedLate(mapping)
        var json = "{\"event_id\":\(JSONString.quoted(eventID)),\"ts\":\(time)"
        for (key, value) in mapping {
            guard let name = key.string, !Self.reservedEventKeys.contains(name) else { continue }
            guard let literal = fieldLiteral(name, key, value) else { continue }
            json += ",\(JSONString.quoted(name)):\(literal)"
        }
        json += "}"
        return RuleTestEvent(
            location: location(node), message: json, eventID: eventID, time: time, expected: expected,
            expectedSuppressed: suppressed, isExpectedLate: isLate)
    }

    /// The JSON for one event field, or nil (reported) when no rule could read it as written: a
    /// misspelt name or an unquoted value of the wrong type would make the field silently missing.
    /// The name is checked first, so a misspelt key such as `expect_supressed: [...]` is named as
    /// such rather than reported for its list value.
    private mutating func fieldLiteral(_ name: String, _ key: Node, _ value: Node) -> String? {
        guard let type = fieldTypes[name] else {
            let hint = Suggestion.hint(for: name, among: Array(fieldTypes.keys) + Self.reservedEventKeys)
            let advice = hint.isEmpty ? "; declare it under fields: in a rule file (number, string or bool)" : hint
            report(key, "unknown field '\(name)'\(advice)", length: name.unicodeScalars.count)
            return nil
        }
        guard let scalar = value.scalar else { return fail(value, "an event field is a single value") }
        if let literal = TestEventJSON.literal(scalar, as: type) { return literal }
        if type == .number, scalar.string.contains(where: \.isNumber), scalar.string.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) {
            let message = "\(name): \(scalar.string) is out of range or has more than six decimal places"
            report(value, message, length: scalar.string.unicodeScalars.count)
            return nil
        }
        let (kind, allowed) = type == .bool ? ("a bool", "true or false") : ("a number", "a number")
        let message = "\(name) is \(kind) field: write \(allowed), not '\(scalar.string)' "
            + "(or quote it to test an event whose \(name) is text)"
        report(value, message, length: scalar.string.unicodeScalars.count)
        return nil
    }

    /// One rule id or a list of them, each checked against the rule set where it is written.
    private mutating func ruleIDs(_ node: Node) -> [String] {
        var ids: [String] = []
        for item in Self.items(of: node) {
            let id = item.string ?? ""
            if knownRuleIDs.contains(id) {
                ids.append(id)
            } else {
                let hint = Suggestion.hint(for: id, among: knownRuleIDs)
                report(item, "no rule has the id '\(id)'\(hint)", length: id.unicodeScalars.count)
            }
        }
        return ids
    }

    /// The ids of an `expect:` or `expect_suppressed:`, each a rule the test judges.
    private mutating func expectedIDs(_ node: Node, judging judged: [String]?) -> [String] {
        let ids = ruleIDs(node)
        if let judged { reportUnjudged(node, judged: judged) }
        return ids
    }

    /// An expected rule the test does not judge could never be reported as fired, so the test could never pass.
    private mutating func reportUnjudged(_ expect: Node, judged: [String]) {
        for item in Self.items(of: expect) {
            guard let id = item.string, knownRuleIDs.contains(id), !judged.contains(id) else { continue }
            let judgedList = judged.joined(separator: ", ")
            report(item, "'\(id)' is expected, but this test judges only [\(judgedList)]; add it to the test's rules:",
                   length: id.unicodeScalars.count)
        }
    }

    /// The ids of an `expect_suppressed:`, each one that a cooldown could hold back on this event:
    /// a rule without a cooldown never has a firing held back, and one rule cannot both fire and be held back.
    private mutating func suppressedIDs(
        _ node: Node, judging judged: [String]?, firing expected: Set<String>
    ) -> Set<String> {
        let ids = expectedIDs(node, judging: judged)
        for item in Self.items(of: node) {
            guard let id = item.string, knownRuleIDs.contains(id) else { continue }
            let length = id.unicodeScalars.count
            if !rulesWithCooldown.contains(id) {
                report(item, "'\(id)' has no cooldown:, so no firing of it is ever held back", length: length)
            } else if expected.contains(id) {
                report(
                    item, "'\(id)' is in expect: too; on one event a rule either fires or is held back", length: length)
            }
        }
        return Set(ids)
    }

    /// `expect_late: true`: the event must come too late to count. Such an event is not evaluated,
    /// so expecting it to fire a rule or have one held back as well could never pass.
    private mutating func isExpectedLate(_ mapping: Node.Mapping) -> Bool {
        guard let node = mapping["expect_late"] else { return false }
        guard let isLate = node.scalar.flatMap({ Bool($0.string) }) else {
            report(node, "expect_late: is true or false")
            return false
        }
        for key in ["expect", "expect_suppressed"] where isLate {
            guard let value = mapping[key], !Self.items(of: value).isEmpty else { continue }
            report(
                value, "a late event is not evaluated, so it fires nothing and has nothing held back; drop \(key): here")
        }
        return isLate
    }

    private static func items(of node: Node) -> [Node] {
        node.sequence.map(Array.init) ?? [node]
    }

    private mutating func readTime(_ mapping: Node.Mapping, at node: Node) -> Int64? {
        if let ts = mapping["ts"], mapping["at"] != nil {
            return fail(ts, "the event has both at: and ts:; give its time once")
        }
        if let ts = mapping["ts"] {
            guard let text = ts.scalar?.string else {
                return fail(ts, "ts: is one time: epoch milliseconds or RFC 3339 text")
            }
            switch TestEventTime.milliseconds(text) {
            case .success(let milliseconds): return milliseconds
            case .failure(let problem):
                report(ts, problem.message, length: max(text.unicodeScalars.count, 1))
                return nil
            }
        }
        guard let at = mapping["at"] else { return fail(node, "the event needs at: (an offset like 90s) or ts:") }
        guard let offset = at.string.flatMap(ReadableDuration.milliseconds) else {
            return fail(at, "at: is an offset such as 0s, 500ms, 90s, 5m, 24h or 2d")
        }
        return RuleTestLoader.baseTime + offset
    }

    private func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file.path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    private mutating func report(_ node: Node, _ message: String, length: Int = 1) {
        let place = location(node)
        diagnostics.append(file.diagnostic(message, line: place.line, column: place.column, length: length))
    }

    /// Reports and gives up on the value being read.
    private mutating func fail<T>(_ node: Node, _ message: String) -> T? {
        report(node, message)
        return nil
    }
}

/// JSON values for rule-test events.
enum TestEventJSON {
    private static let nullScalars: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// A plain YAML scalar is read as the field's type (so `mcc: 5411` is the text "5411"), and a
    /// plain `null` or `~` leaves the field out; a quoted scalar is always text. `nil` when a plain
    /// scalar is not a value of `type`.
    static func literal(_ scalar: Node.Scalar, as type: ValueType) -> String? {
        guard scalar.style == .plain else { return JSONString.quoted(scalar.string) }
        if nullScalars.contains(scalar.string) { return "null" }
        switch type {
        case .string: return JSONString.quoted(scalar.string)
        // Written as JSON writes numbers (`0200` is 200), which is how a producer would send it.
        case .number: return ExactDecimal(scalar.string)?.description
        case .bool: return scalar.string == "true" || scalar.string == "false" ? scalar.string : nil
        }
    }
}
