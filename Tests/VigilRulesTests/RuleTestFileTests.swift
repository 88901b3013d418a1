import Testing
@testable import VigilRules

/// Rule-test files: mistakes in them are load errors at the place they are written.
@Suite struct RuleTestFileTests {
    private func rendered(_ yaml: String) -> [String] {
        let file = SourceFile(path: "t.yaml", text: yaml)
        var reader = RuleTestReader(file: file, knownRuleIDs: ["card-testing-burst", "big-amount"])
        _ = reader.read()
        return reader.diagnostics.map(\.rendered)
    }

    @Test func unknownRuleIDIsALoadErrorAtTheIDWithASuggestion() {
        let diagnostics = rendered("""
            tests:
              - name: burst
                rules: [nosuch]
                events:
                  - {at: 0s, card_id: c-1, expect: [card-testing-brust]}
            """)
        #expect(diagnostics == [
            "t.yaml:3:13: error: no rule has the id 'nosuch'\n      rules: [nosuch]\n              ^~~~~~",
            "t.yaml:5:41: error: no rule has the id 'card-testing-brust'; did you mean 'card-testing-burst'?\n"
                + "        - {at: 0s, card_id: c-1, expect: [card-testing-brust]}\n"
                + "                                          ^~~~~~~~~~~~~~~~~~",
        ])
    }

    @Test func brokenYAMLIsPlacedWhereItCanBeFixed() {
        let diagnostics = rendered("tests:\n  - name: \"burst\n    events: []\n")
        #expect(diagnostics == [
            "t.yaml:2:11: error: invalid YAML: found unexpected end of stream while scanning a quoted scalar, which starts here\n"
                + "    - name: \"burst\n            ^",
        ])
    }

    @Test func eventWithBothAtAndTsIsALoadError() {
        let diagnostics = rendered("""
            tests:
              - name: two clocks
                events:
                  - {at: 0s, ts: 1798761600000, amount: 1}
            """)
        #expect(diagnostics == [
            "t.yaml:4:22: error: the event has both at: and ts:; give its time once\n"
                + "        - {at: 0s, ts: 1798761600000, amount: 1}\n"
                + "                       ^",
        ])
    }
}
