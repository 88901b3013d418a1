import Yams

extension RuleFileReader {
    mutating func readRule(_ mapping: Node.Mapping, at node: Node) -> RuleDraft {
        var draft = RuleDraft(file: file, position: position(node))
        for (key, value) in mapping {
            guard let name = key.string, Self.ruleKeys.contains(name) else {
                reportUnknownKey(key, among: Self.ruleKeys, context: "in a rule")
                continue
            }
            read(name, value, into: &draft)
        }
        reportMissing(at: node)
        return draft
    }

    private mutating func read(_ key: String, _ value: Node, into draft: inout RuleDraft) {
        if key == "labels" { return draft.labels = labels(value) }
        guard let text = scalarText(value, "a single value for \(key):") else { return }
        switch key {
        case "id":
            draft.id = ruleID(text, value)
            draft.idPosition = position(value)
        case "description": draft.description = text
        case "severity": draft.severity = choice(text, value, "severity")
        case "mode": draft.mode = choice(text, value, "mode") ?? .active
        case "cooldown":
            draft.cooldownMilliseconds = cooldown(text, value)
            draft.cooldownText = text
        default:
            let expression = Self.trimmingTrailingWhitespace(text)
            draft.expression = expression
            draft.expressionPositions = file.positions(of: expression, from: position(value))
        }
    }

    /// Block scalars (`>`, `|`) keep their final line break, which alerts and `GET /rules` would
    /// show; only the end is trimmed, so every kept scalar stays at its position in the file.
    private static func trimmingTrailingWhitespace(_ text: String) -> String {
        let end = text.lastIndex { !$0.isWhitespace }.map(text.index(after:)) ?? text.startIndex
        return String(text[..<end])
    }

    private mutating func ruleID(_ text: String, _ node: Node) -> String? {
        let allowed = text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
        guard !text.isEmpty, allowed else {
            report(node, "rule id '\(text)' may contain only a-z, 0-9, '-', '_' and '.'")
            return nil
        }
        return text
    }

    private mutating func choice<T: RawRepresentable & CaseIterable>(
        _ text: String, _ node: Node, _ key: String
    ) -> T? where T.RawValue == String {
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        let hint = Suggestion.hint(for: text, among: names)
        report(node, "unknown \(key) '\(text)'; use one of \(names.joined(separator: ", "))\(hint)")
        return nil
    }

    private mutating func cooldown(_ text: String, _ node: Node) -> Int64? {
        switch DurationText.parse(text) {
        case .success(let milliseconds): return milliseconds
        case .failure(let problem):
            report(node, "cooldown: \(problem.message)")
            return nil
        }
    }

    private mutating func labels(_ node: Node) -> [String: String] {
        guard let mapping = node.mapping else {
            report(node, "labels: maps names to text, as in {team: fraud}")
            return [:]
        }
        var labels: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = scalarText(key, "a label name"), let text = scalarText(value, "a label value") else { continue }
            labels[name] = text
        }
        return labels
    }

    private mutating func reportMissing(at node: Node) {
        let keys = Set(node.mapping?.keys.compactMap(\.string) ?? [])
        for required in ["id", "description", "severity", "expression"] where !keys.contains(required) {
            report(node, "this rule has no \(required):")
        }
    }
}
