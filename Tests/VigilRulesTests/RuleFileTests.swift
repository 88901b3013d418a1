import Testing
@testable import VigilRules
import VigilValues

/// The YAML structure around expressions: keys, required parts and value kinds.
@Suite struct RuleFileTests {
    private func messages(_ yaml: String) throws -> [String] {
        let result = RuleCompiler.compile(sources: [RuleSource(path: "f.yaml", text: yaml)])
        return try #require(result.diagnostics).items.map(\.message)
    }

    @Test(arguments: [
        ("rule:\n  - id: a\n", ["unknown key 'rule' at the top of a rule file; did you mean 'rules'?"]),
        ("rules:\n  - id: a\n", [
            "this rule has no description:", "this rule has no severity:", "this rule has no expression:",
        ]),
        ("rules:\n  - {id: a, description: b, severity: low, expression: amount > 1, labels: [x]}\n", [
            "labels: maps names to text, as in {team: fraud}",
        ]),
        ("rules:\n  - {id: A B, description: b, severity: low, expression: amount > 1}\n", [
            "rule id 'A B' may contain only a-z, 0-9, '-', '_' and '.'",
        ]),
        ("rules:\n  - {id: a, description: b, severity: low, expression: amount > 1, cooldown: 0s}\n", [
            "cooldown: duration must be at least 1s",
        ]),
        ("rules:\n  id: a\n", ["rules: is a list of rules, each starting with '- id:'"]),
        ("rules:\n  - id: a\n    description: b\n    severity: low\n    expression: !is_3ds and amount > 1\n", [
            "'!is_3ds' at the start of a value is a YAML tag, not part of the value: write not for negation, or quote the whole value",
        ]),
        ("rules:\n  - {id: a, id: b}\n", ["key 'id' appears twice in the same mapping"]),
        ("rules: [\n", ["invalid YAML: did not find expected node content while parsing a flow node, which starts here"]),
        ("fields: {amount: string, 2x: number}\nrules: []\n", [
            "field 'amount' is a built-in field as number, not string",
            "field name '2x' may contain only letters, digits and _, and not start with a digit",
        ]),
    ])
    func structuralMistakeIsReported(_ yaml: String, _ expected: [String]) throws {
        #expect(try messages(yaml) == expected)
    }

    /// Two rules run together when the second loses its `- id:` line: the duplicate keys are
    /// reported where the second rule begins, with that likely cause.
    @Test func duplicateKeysArePlacedOnTheirSecondOccurrence() throws {
        let yaml = """
            rules:
              - id: big
                description: Large amount
                severity: high
                expression: amount > 1000
                severity: low
                description: Tiny amount
                expression: amount < 1
            """
        let result = RuleCompiler.compile(sources: [RuleSource(path: "f.yaml", text: yaml)])
        #expect(try #require(result.diagnostics).rendered == """
            f.yaml:6:5: error: key 'severity' appears twice in the same mapping (so do 'description', 'expression'); \
            if a new entry starts here, its '- ' is missing
                  severity: low
                  ^~~~~~~~
            """)
    }

    @Test func blockScalarExpressionKeepsNoTrailingLineBreak() throws {
        let yaml = "rules:\n  - id: a\n    description: b\n    severity: low\n    expression: >\n      amount >\n      1000\n"
        let plan = try #require(RuleCompiler.compile(sources: [RuleSource(path: "f.yaml", text: yaml)]).plan)
        #expect(plan.rules.first?.expressionText == "amount > 1000")
    }

    @Test func errorAtTheEndOfABlockScalarPointsJustAfterItsText() throws {
        let yaml = "rules:\n  - id: a\n    description: b\n    severity: low\n    expression: >\n      amount >\n"
        let result = RuleCompiler.compile(sources: [RuleSource(path: "f.yaml", text: yaml)])
        let location = try #require(result.diagnostics?.items.first?.location)
        #expect((location.line, location.column) == (6, 15))
    }

    @Test func explainNamesTheListOfAMembershipTest() throws {
        let plan = try #require(compileExpression("country in [\"KP\", \"IR\"]").plan)
        let frame = EvaluationFrame(fieldCount: plan.fields.count, aggregatorCount: 0)
        frame.fields[0] = .string("KP")
        let trace = try #require(plan.rules.first?.explain(frame).first)
        #expect(trace.op == "in")
        #expect(trace.rightText == "[\"KP\", \"IR\"]")
        #expect(trace.left == .string("KP"))
    }
}
