/// A rule file given as text, so rule sets can be compiled without touching the disk.
package struct RuleSource: Sendable {
    package var path: String
    package var text: String

    package init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// Turns a directory of YAML rule files into the plan the engine runs.
///
/// Compilation either yields a whole plan or every error found: a rule set is never half loaded.
///
/// The expression language, in brief (loosest binding first): `or`; `and`; `not`; comparisons
/// `== != < <= > >=` and `in` / `not in` (with `[...]` or a list name), which do not chain;
/// `+ -`; `* /`; unary `-`. Strings and booleans allow only `==` and `!=`. String tests are
/// function calls: `starts_with(card_id, "4111")`, `ends_with(...)`, `contains(...)`.
/// Aggregates: `count(by:, over:)`, and `sum avg min max distinct` with a field first; `where:`
/// is optional and may not contain aggregates. Durations (`s m h d`, 1s to 366d) appear only as
/// `over:`. `table[key]` reads a number from `tables/<name>.txt` by a string key. A plain
/// `expression:` value may contain `: ` without quotes.
package enum RuleCompiler {
    /// Reads every `*.yaml` / `*.yml` at the top of `directory`, every `lists/*.txt` and every `tables/*.txt`.
    package static func compile(directory: String) -> Result<RulePlan, Diagnostics> {
        switch RuleDirectory.read(directory) {
        case .failure(let diagnostics):
            return .failure(diagnostics)
        case .success(let contents):
            let result = compile(
                contents.sources, lists: contents.lists, tables: contents.tables, version: ContentHash.version(of: contents.files),
                fileFindings: contents.findings)
            guard !contents.problems.isEmpty else { return result }
            // Files that could not be read fail the set, reported with what the others got wrong.
            guard case .failure(let others) = result else { return .failure(Diagnostics(items: contents.problems)) }
            return .failure(Diagnostics(items: contents.problems + others.items))
        }
    }

    /// The version `compile(directory:)` would give the directory's plan, without compiling it:
    /// cheap enough to poll for changes. Files that cannot be read count by their problem, so a
    /// file becoming unreadable, or readable again, is a change. `nil` when the directory cannot be read.
    package static func version(ofDirectory directory: String) -> String? {
        guard case .success(let contents) = RuleDirectory.read(directory, parsing: false) else { return nil }
        return ContentHash.version(of: contents.files + contents.problems.map { ($0.location.file, $0.message) })
    }

    /// In-memory compilation; `lists` maps a list name to its entries, `tables` a table name to
    /// the text of its file (read as `tables/<name>.txt`).
    package static func compile(
        sources: [RuleSource], lists: [String: [String]] = [:], tables: [String: String] = [:]
    ) -> Result<RulePlan, Diagnostics> {
        let tableFiles = tables.map { SourceFile(path: "tables/\($0.key).txt", text: $0.value) }
        let read = zip(tables.keys, tableFiles).map { TableFile.read($1, name: $0) }
        let files = sources.map { ($0.path, $0.text) }
            + lists.map { ("lists/\($0.key).txt", $0.value.joined(separator: "\n")) }
            + tableFiles.map { ($0.path, $0.text) }
        let readTables = Dictionary(uniqueKeysWithValues: read.map { ($0.table.name, $0.table) })
        return compile(
            sources, lists: lists.mapValues { Set($0) }, tables: readTables, version: ContentHash.version(of: files),
            fileFindings: read.sorted { $0.table.name < $1.table.name }.flatMap(\.diagnostics))
    }

    /// - Parameters:
    ///   - selected: compile only the rules with these ids (all when nil); the others are still
    ///     read, so ids stay unique across the whole set.
    ///   - fileFindings: findings about the files read beside the rules (the lists and tables
    ///     folders); an error among them (a malformed table row) fails the set.
    static func compile(
        _ sources: [RuleSource], lists: [String: Set<String>], tables: [String: LookupTable], version: String,
        selecting selected: Set<String>? = nil, fileFindings: [Diagnostic] = []
    ) -> Result<RulePlan, Diagnostics> {
        var compilation = Compilation(lists: lists, tables: tables)
        let contents = sources.sorted { $0.path < $1.path }.map {
            RuleFileReader.read(SourceFile(path: $0.path, text: $0.text))
        }
        compilation.declare(contents.flatMap(\.fields))
        compilation.diagnostics += contents.flatMap(\.diagnostics)
        let allDrafts = contents.flatMap(\.rules)
        compilation.checkUniqueIDs(allDrafts)
        let drafts = selected.map { ids in allDrafts.filter { ids.contains($0.id ?? "") } } ?? allDrafts
        let rules = drafts.compactMap { compilation.compile($0) }
        let ordered = compilation.diagnostics.sorted(by: Compilation.precedes)
        var findings = fileFindings + ordered
        if allDrafts.isEmpty, selected == nil, !findings.contains(where: { $0.severity == .error }), let first = sources.first {
            // A set that detects nothing is a mistake (a file emptied by accident, a ConfigMap cut
            // short), and a reload to it must keep the running set.
            findings.append(RuleDirectory.wholeFile(first.path, "no file defines a rule; a rule set without rules would raise no alert"))
        }
        guard !findings.contains(where: { $0.severity == .error }), rules.count == drafts.count else {
            return .failure(Diagnostics(items: findings))
        }
        let plan = RulePlan(
            version: version, fields: compilation.builder.fields, aggregators: compilation.builder.aggregators,
            rules: rules, warnings: findings + compilation.unusedDeclarations() + constantRuleWarnings(rules, sources: sources),
            sources: sources, lists: lists, tables: tables)
        return .success(plan)
    }

    /// A rule that reads no field and no aggregate decides the same for every payment: it fires on
    /// all of them or on none (`0.1 + 0.2 == 0.3`), which is never what a policy means.
    private static func constantRuleWarnings(_ rules: [CompiledRule], sources: [RuleSource]) -> [Diagnostic] {
        rules.filter { $0.fields.isEmpty && $0.aggregators.isEmpty && $0.lists.isEmpty && $0.tables.isEmpty }.compactMap { rule in
            guard let source = sources.first(where: { $0.path == rule.location.file }) else { return nil }
            return SourceFile(path: source.path, text: source.text).diagnostic(
                "the expression reads nothing from the payment, so the rule fires on every payment or on none",
                line: rule.location.line, column: rule.location.column, length: rule.expressionText.unicodeScalars.count,
                severity: .warning)
        }
    }
}
