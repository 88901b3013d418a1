import VigilValues

/// The state of one compilation: vocabulary, interned tables and every diagnostic so far.
struct Compilation {
    var vocabulary = Vocabulary()
    let builder = PlanBuilder()
    var diagnostics: [Diagnostic] = []
    private var declarations: [FieldDeclaration] = []

    init(lists: [String: Set<String>], tables: [String: LookupTable]) {
        vocabulary.lists = lists
        vocabulary.tables = tables
        vocabulary.contentDigests = lists.mapValues { ContentHash.digest(of: $0) }.merging(
            tables.mapValues { ContentHash.digest(of: $0.digestItems) }, uniquingKeysWith: { list, _ in list })
        for name in tables.keys.sorted() where lists[name] != nil {
            let path = tables[name]?.path ?? name
            let message = "a list and a table are both named '\(name)'; rename one of them, so that a rule's '\(name)' means one thing"
            diagnostics.append(RuleDirectory.wholeFile(path, message))
        }
    }

    static func precedes(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        let left = lhs.location
        let right = rhs.location
        return (left.file, left.line, left.column) < (right.file, right.line, right.column)
    }

    /// Adds declared fields; a declaration may repeat a type but never change one.
    mutating func declare(_ fields: [FieldDeclaration]) {
        for field in fields {
            if let existing = vocabulary.fieldTypes[field.name], existing != field.type {
                let origin = Vocabulary.builtinFields[field.name] == nil ? "declared" : "a built-in field"
                report(field.file, field.position, length: field.name.unicodeScalars.count,
                       "field '\(field.name)' is \(origin) as \(existing), not \(field.type)")
                continue
            }
            vocabulary.fieldTypes[field.name] = field.type
            declarations.append(field)
        }
    }

    mutating func checkUniqueIDs(_ drafts: [RuleDraft]) {
        var seen: [String: RuleDraft] = [:]
        for draft in drafts {
            guard let id = draft.id else { continue }
            if let first = seen[id] {
                let origin = "\(first.file.path):\(first.position.line)"
                let position = draft.idPosition ?? draft.position
                report(draft.file, position, length: id.unicodeScalars.count, "rule id '\(id)' is already used at \(origin)")
            } else {
                seen[id] = draft
            }
        }
    }

    /// Declared fields no rule reads: probably a rule was deleted or a name misspelt.
    func unusedDeclarations() -> [Diagnostic] {
        let used = Set(builder.fields.map(\.name))
        return declarations.filter { !used.contains($0.name) && Vocabulary.builtinFields[$0.name] == nil }.map {
            $0.file.diagnostic(
                "field '\($0.name)' is declared but no rule reads it", line: $0.position.line,
                column: $0.position.column, length: $0.name.unicodeScalars.count, severity: .warning)
        }
    }

    mutating func report(_ file: SourceFile, _ position: FilePosition, length: Int, _ message: String) {
        diagnostics.append(file.diagnostic(message, line: position.line, column: position.column, length: length))
    }
}
