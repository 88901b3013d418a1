import Testing
@testable import VigilRules

/// Errors inside expressions land on the right file column whatever the YAML scalar style.
@Suite struct SourcePositionTests {
    private func firstError(_ expressionLines: String) throws -> Diagnostic {
        let yaml = "rules:\n  - id: r\n    description: d\n    severity: low\n" + expressionLines
        let result = RuleCompiler.compile(sources: [RuleSource(path: "p.yaml", text: yaml)])
        return try #require(result.diagnostics?.items.first)
    }

    @Test(arguments: [
        ("    expression: amont > 1\n", 5, 17),
        ("    expression: count(by: ip, over: 1m, where: chanel == 'x') > 1\n", 5, 48),
        ("    expression: 'channel == ''x'' and amont > 1'\n", 5, 39),
        ("    expression: \"channel == \\\"x\\\" and amont > 1\"\n", 5, 39),
        ("    expression: |\n      amount > 1 and\n      amont > 2\n", 7, 7),
        ("    expression: >\n      amount > 1\n      and amont > 2\n", 7, 11),
        ("    expression: amount > 1\n      and amont > 2\n", 6, 11),
        ("    expression: |\n      count(\n        by: ip, over: 1m) > 1 and amont > 2\n", 7, 35),
        ("    expression: count(by: ip, over: 1m) > 1 and amont > 2 # note: it works\n", 5, 49),
    ])
    func caretLandsOnTheMisspeltName(_ lines: String, _ line: Int, _ column: Int) throws {
        let diagnostic = try firstError(lines)
        #expect(diagnostic.message.hasPrefix("unknown field 'amont'") || diagnostic.message.hasPrefix("unknown field 'chanel'"))
        #expect(diagnostic.location.line == line)
        #expect(diagnostic.location.column == column)
        #expect(diagnostic.length == 5 || diagnostic.length == 6)
    }

    @Test func hostileInputNeverCrashes() {
        let inputs = ["", "---\n- 1\n", "rules: 5", "rules:\n  - 7\n", "rules:\n  - expression: [1, 2]\n", "\u{0}\u{1}:",
                      "rules:\n  - {id: a, description: b, severity: low, expression: \"((((\"}\n",
                      "rules:\n  - {id: a, description: b, severity: low, expression: \"1 in [1, 2] and -(-(-1)) == -1\"}\n"]
        let deep = String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
        let long = Array(repeating: "amount", count: 5_000).joined(separator: " + ") + " > 1"
        let nots = String(repeating: "not ", count: 5_000) + "true"
        let expressions = [deep, long, nots].map { "rules:\n  - {id: a, description: b, severity: low, expression: \"\($0)\"}\n" }
        for input in inputs + expressions {
            let result = RuleCompiler.compile(sources: [RuleSource(path: "h.yaml", text: input)])
            if case .success(let plan) = result {
                #expect(plan.rules.count <= 1)
            }
        }
    }
}
