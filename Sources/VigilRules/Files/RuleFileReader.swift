import VigilValues
import Yams

/// Reads one rule file's YAML into drafts, reporting every structural mistake with its location.
struct RuleFileReader {
    static let topLevelKeys = ["fields", "rules"]
    static let ruleKeys = ["id", "description", "severity", "labels", "expression", "cooldown", "mode"]

    let file: SourceFile
    var content = RuleFileContent()

    static func read(_ file: SourceFile) -> RuleFileContent {
        var reader = RuleFileReader(file: file)
        reader.readDocument()
        return reader.content
    }

    private mutating func readDocument() {
        let root: Node?
        do {
            root = try Yams.compose(yaml: ValueQuoting.prepare(file.text))
        } catch {
            content.diagnostics.append(file.yamlDiagnostic(error))
            return
        }
        guard let root else {
            content.diagnostics.append(file.diagnostic("the file has no rules", line: 1, column: 1, severity: .warning))
            return
        }
        guard let mapping = root.mapping else { return report(root, "a rule file is a mapping with fields: and rules:") }
        for (key, value) in mapping {
            switch key.string {
            case "fields": readFields(value)
            case "rules": readRules(value)
            default: reportUnknownKey(key, among: Self.topLevelKeys, context: "at the top of a rule file")
            }
        }
    }

    private mutating func readFields(_ node: Node) {
        guard let mapping = node.mapping else { return report(node, "fields: maps field names to number, string or bool") }
        for (key, value) in mapping {
            guard let name = scalarText(key, "a field name"), let typeName = scalarText(value, "a field type") else {
                continue
            }
            guard let type = ValueType(rawValue: typeName) else {
                report(value, "unknown field type '\(typeName)'; use number, string or bool"
                    + Suggestion.hint(for: typeName, among: ["number", "string", "bool"]))
                continue
            }
            guard Self.isIdentifier(name) else {
                report(key, "field name '\(name)' may contain only letters, digits and _, and not start with a digit")
                continue
            }
            content.fields.append(FieldDeclaration(name: name, type: type, file: file, position: position(key)))
        }
    }

    private mutating func readRules(_ node: Node) {
        guard let sequence = node.sequence else {
            return report(node, "rules: is a list of rules, each starting with '- id:'")
        }
        for item in sequence {
            guard let mapping = item.mapping else {
                report(item, "a rule is a mapping with id:, description:, severity: and expression:")
                continue
            }
            content.rules.append(readRule(mapping, at: item))
        }
    }

    func position(_ node: Node) -> FilePosition {
        FilePosition(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    mutating func report(_ node: Node, _ message: String) {
        let start = position(node)
        let length = tokenLength(node)
        content.diagnostics.append(file.diagnostic(message, line: start.line, column: start.column, length: length))
    }

    mutating func reportUnknownKey(_ key: Node, among known: [String], context: String) {
        let name = key.string ?? ""
        report(key, "unknown key '\(name)' \(context)\(Suggestion.hint(for: name, among: known))")
    }

    /// The scalar's text, or `nil` after reporting that a single value was expected.
    mutating func scalarText(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar else {
            report(node, "expected \(what) here, not a list or mapping")
            return nil
        }
        // `expression: !is_3ds and …` is YAML's tag `!is_3ds` before the text `and …`.
        let tag = scalar.tag.rawValue
        if tag.hasPrefix("!"), tag.count > 1 {
            report(node, "'\(tag)' at the start of a value is a YAML tag, not part of the value: write not for negation, or quote the whole value")
            return nil
        }
        return scalar.string
    }

    /// How far the caret's `~` should reach: the scalar's first line as written.
    private func tokenLength(_ node: Node) -> Int {
        guard let scalar = node.scalar, scalar.style != .literal, scalar.style != .folded else { return 1 }
        let start = position(node)
        let positions = file.positions(of: scalar.string, from: start)
        guard let end = positions.last, end.line == start.line else { return 1 }
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        return end.column - start.column + (quoted ? 1 : 0)
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }
}
