import VigilValues

extension Compilation {
    /// Checks a draft's expression and, when the draft is complete and valid, compiles it.
    mutating func compile(_ draft: RuleDraft) -> CompiledRule? {
        guard let expression = draft.expression else { return nil }
        let (parsed, syntaxIssues) = Parser.parse(expression)
        place(syntaxIssues, of: draft)
        guard let parsed else { return nil }
        var checker = Checker(vocabulary: vocabulary, builder: builder)
        let condition = checker.checkCondition(parsed)
        place(checker.issues, of: draft)
        guard let condition, draft.id != nil, draft.description != nil, draft.severity != nil else { return nil }
        let start = draft.expressionPositions.first ?? draft.position
        let location = SourceLocation(file: draft.file.path, line: start.line, column: start.column)
        let reads = CompiledRule.Reads(
            aggregators: checker.aggregators, fields: checker.directFields, lookups: checker.lookups, tables: checker.tables,
            lists: checker.lists)
        return CompiledRule(CompiledRule.Parts(draft: draft, location: location, reads: reads, condition: condition))
    }

    /// Turns expression offsets into file positions through the YAML scalar's position map.
    private mutating func place(_ issues: [ExpressionIssue], of draft: RuleDraft) {
        let positions = draft.expressionPositions
        guard let last = positions.indices.last else { return }
        for issue in issues {
            let start = positions[min(max(0, issue.span.start), last)]
            let end = positions[min(max(0, issue.span.start + issue.span.length), last)]
            let length = end.line == start.line ? end.column - start.column : 1
            report(draft.file, start, length: length, issue.message)
        }
    }
}
