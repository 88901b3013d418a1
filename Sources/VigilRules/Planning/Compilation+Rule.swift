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
        guard let condition, let id = draft.id, let description = draft.description, let severity = draft.severity
        else { return nil }
        let start = draft.expressionPositions.first ?? draft.position
        return CompiledRule(
            id: id, description: description, severity: severity, labels: draft.labels, mode: draft.mode,
            cooldownMilliseconds: draft.cooldownMilliseconds, expressionText: expression,
            location: SourceLocation(file: draft.file.path, line: start.line, column: start.column),
            aggregators: checker.aggregators, fields: checker.directFields,
            condition: Evaluator.logic(condition), probes: Probe.collect(condition))
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
