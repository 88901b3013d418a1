import Testing
@testable import VigilRules
import VigilValues

@Suite struct PlanTests {
    private func plan(_ expressions: [String]) throws -> RulePlan {
        let rules = expressions.enumerated().map { index, expression in
            """
              - id: rule-\(index)
                description: Rule \(index)
                severity: medium
                expression: \(expression)
            """
        }
        let yaml = "rules:\n" + rules.joined(separator: "\n")
        let result = RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: yaml)])
        if let diagnostics = result.diagnostics { Issue.record("\(diagnostics.rendered)") }
        return try #require(result.plan)
    }

    @Test func identicalAggregatesShareOneAggregator() throws {
        let plan = try plan([
            "count(by: card_id, over: 5m) > 5",
            "amount > 100 and count(by: card_id, over: 300s) > 2",
        ])
        #expect(plan.aggregators.count == 1)
        #expect(plan.rules.map(\.aggregators) == [[AggregatorID(index: 0)], [AggregatorID(index: 0)]])
        #expect(plan.aggregators[0].canonicalText == "count(by: card_id, over: 5m)")
        #expect(plan.aggregators[0].windowMilliseconds == 300_000)
    }

    @Test(arguments: [
        ("count(by: card_id, over: 5m)", "count(by: card_id, over: 10m)"),
        ("count(by: card_id, over: 5m)", "count(by: card_id, over: 5m, where: channel == \"ecom\")"),
        ("count(by: card_id, over: 5m, where: channel == \"ecom\")", "count(by: card_id, over: 5m, where: channel == \"pos\")"),
        ("count(by: card_id, over: 5m)", "count(by: [card_id, merchant_id], over: 5m)"),
        ("sum(amount, by: card_id, over: 5m)", "avg(amount, by: card_id, over: 5m)"),
    ])
    func differentAggregatesStayApart(_ first: String, _ second: String) throws {
        let plan = try plan(["\(first) > 1", "\(second) > 1"])
        #expect(plan.aggregators.count == 2)
    }

    /// One store of amounts answers a sum, an average and a count over the same keys, window and
    /// filter: the count only because every evaluated event carries an amount.
    @Test func countSumAndAverageOfAmountsShareOneState() throws {
        let plan = try plan([
            "count(by: card_id, over: 1h, where: channel == \"ecom\") > 5",
            "avg(amount, by: card_id, over: 1h, where: channel == \"ecom\") > 100",
            "sum(amount, by: card_id, over: 1h, where: channel == \"ecom\") > 1000",
        ])
        let states = Set(plan.aggregators.map(\.state))
        #expect(states.count == 1)
        #expect(states.first?.text == "sum(amount, by: card_id, over: 1h, where: channel == \"ecom\")")
    }

    /// A window is written, and printed, in parts as well (`1h30m`), so a printed one can be pasted back.
    /// Aggregates keep their names in the largest unit that divides the window, as snapshots name them.
    @Test func windowsWrittenInPartsShareStateWithTheSameWindowInOneUnit() throws {
        let plan = try plan(["count(by: card_id, over: 1h30m) > 5", "count(by: card_id, over: 90m) > 2"])
        #expect(plan.aggregators.map(\.canonicalText) == ["count(by: card_id, over: 90m)"])
        #expect(plan.aggregators.map(\.windowMilliseconds) == [5_400_000])
        // A part may be zero, as in a duration filled in from a template; the whole may not.
        let zeroPart = try self.plan(["count(by: card_id, over: 1h0m) > 5"])
        #expect(zeroPart.aggregators.map(\.windowMilliseconds) == [3_600_000])
    }

    @Test(arguments: [
        ("20s10m", "write the larger units of a duration first, each once, as in 1h30m"),
        ("1m500ms", "durations are whole seconds, 1s at least; milliseconds (ms) are not a unit here; write 1s"),
        ("0h0m", "duration must be at least 1s"),
    ])
    func windowPartsFollowTheRulesOfWholeDurations(window: String, message: String) {
        let yaml = "rules:\n  - {id: r, description: d, severity: low, expression: 'count(by: card_id, over: \(window)) > 1'}\n"
        let result = RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: yaml)])
        #expect(result.diagnostics?.rendered.contains(message) == true, "\(result.diagnostics?.rendered ?? "compiled")")
    }

    @Test func averageAloneRecordsTheSumItsStateIsNamedBy() throws {
        let plan = try plan(["count(by: card_id, over: 1d) > 5 and avg(amount, by: card_id, over: 1d) > 100"])
        #expect(plan.aggregators.map(\.state.text) == ["sum(amount, by: card_id, over: 1d)", "sum(amount, by: card_id, over: 1d)"])
        let amount = FieldID(try #require(plan.fields.firstIndex { $0.name == "amount" }))
        #expect(plan.aggregators.map(\.state.function) == [.sum(amount), .sum(amount)])
    }

    @Test(arguments: [
        ("count(by: card_id, over: 1h)", "avg(amount, by: card_id, over: 2h)"),
        ("count(by: card_id, over: 1h)", "avg(amount, by: account_id, over: 1h)"),
        ("count(by: card_id, over: 1h)", "avg(amount, by: card_id, over: 1h, where: channel == \"ecom\")"),
        ("count(by: card_id, over: 1h)", "avg(score, by: card_id, over: 1h)"),
        ("count(by: card_id, over: 1h)", "max(amount, by: card_id, over: 1h)"),
        ("sum(amount, by: card_id, over: 1h)", "avg(score, by: card_id, over: 1h)"),
    ])
    func statesOfDifferentWindowsOrNumbersStayApart(_ first: String, _ second: String) throws {
        let yaml = """
            fields: {score: number}
            rules:
              - {id: one, description: d, severity: low, expression: "\(first.replacing("\"", with: "\\\"")) > 1"}
              - {id: two, description: d, severity: low, expression: "\(second.replacing("\"", with: "\\\"")) > 1"}
            """
        let plan = try RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: yaml)]).get()
        #expect(plan.aggregators.count == 2)
        #expect(plan.aggregators[0].state != plan.aggregators[1].state, "a count of events without \"score\" would be wrong")
    }

    @Test(arguments: [
        "count(by:card_id,over:5m)>5",
        "count( by: [card_id] ,  where: (channel==\"ecom\"), over: 300s ) > 5",
        "count(over: 5m, by: card_id, where: channel == 'ecom') > 5",
    ])
    func canonicalTextIgnoresLayout(_ expression: String) throws {
        let plan = try plan([expression])
        let text = plan.aggregators[0].canonicalText
        let expected = expression.contains("ecom")
            ? "count(by: card_id, over: 5m, where: channel == \"ecom\")" : "count(by: card_id, over: 5m)"
        #expect(text == expected)
    }

    @Test func planListsFieldsAndAggregatorsPerRule() throws {
        let plan = try plan([
            "amount > 1000 and count(by: device_id, over: 1h, where: channel == \"ecom\") > 10",
            "sum(amount, by: [card_id, merchant_id], over: 1m) > 3 * avg(amount, by: card_id, over: 30d)",
        ])
        let names = plan.fields.map(\.name)
        #expect(names == ["amount", "device_id", "channel", "card_id", "merchant_id"])
        #expect(plan.rules[0].fields == [FieldID(0)])
        #expect(plan.rules[1].fields.isEmpty)
        #expect(plan.rules[1].aggregators == [AggregatorID(index: 1), AggregatorID(index: 2)])
        #expect(plan.aggregators[1].keyFields == [FieldID(3), FieldID(4)])
        #expect(plan.aggregators[1].function == .sum(FieldID(0)))
        #expect(plan.aggregators[2].windowMilliseconds == 30 * 86_400_000)
    }

    @Test func filterPredicateEvaluatesOverFields() throws {
        let plan = try plan(["count(by: device_id, over: 1h, where: channel == \"ecom\") > 10"])
        let filter = try #require(plan.aggregators[0].filter)
        let channel = try #require(plan.fields.firstIndex { $0.name == "channel" })
        var fields = [Value?](repeating: nil, count: plan.fields.count)
        #expect(filter.evaluate(fields) == nil)
        fields[channel] = .string("ecom")
        #expect(filter.evaluate(fields) == true)
        fields[channel] = .string("pos")
        #expect(filter.evaluate(fields) == false)
        #expect(filter.canonicalText == "channel == \"ecom\"")
    }

    @Test func ruleKeepsItsMetadata() throws {
        let yaml = """
            rules:
              - id: card-testing-burst
                description: Many authorisations on one card
                severity: critical
                labels: {team: fraud, scenario: card-testing}
                expression: count(by: card_id, over: 5m) > 5
                cooldown: 10m
                mode: shadow
            """
        let plan = try #require(RuleCompiler.compile(sources: [RuleSource(path: "v.yaml", text: yaml)]).plan)
        let rule = try #require(plan.rules.first)
        #expect(rule.severity == .critical)
        #expect(rule.labels == ["team": "fraud", "scenario": "card-testing"])
        #expect(rule.mode == .shadow)
        #expect(rule.cooldownMilliseconds == 600_000)
        #expect(rule.expressionText == "count(by: card_id, over: 5m) > 5")
        #expect(rule.location == SourceLocation(file: "v.yaml", line: 6, column: 17))
    }

    /// YAML ends a plain value at ` #`; a `#` inside a string literal is part of the expression,
    /// and a comment after the expression is still a comment.
    @Test func aHashInsideAStringIsPartOfThePlainExpression() throws {
        let yaml = """
            rules:
              - id: shop
                description: The flagship's sales   # see the runbook
                severity: low
                expression: merchant_id == "shop #1" and amount > 5   # the flagship
            """
        let plan = try #require(RuleCompiler.compile(sources: [RuleSource(path: "s.yaml", text: yaml)]).plan)
        #expect(plan.rules.first?.expressionText == #"merchant_id == "shop #1" and amount > 5"#)
        #expect(plan.rules.first?.description == "The flagship's sales", "a comment after an apostrophe stays a comment")
    }

    @Test func aRuleThatReadsNothingFromThePaymentIsAWarning() throws {
        let yaml = "rules:\n  - {id: a, description: A, severity: low, expression: 0.1 + 0.2 == 0.3}\n  - {id: b, description: B, severity: low, expression: amount > 1}\n"
        let plan = try #require(RuleCompiler.compile(sources: [RuleSource(path: "c.yaml", text: yaml)]).plan)
        #expect(plan.warnings.map(\.rendered) == [
            "c.yaml:2:56: warning: the expression reads nothing from the payment, so the rule fires on every payment or on none\n"
                + "    - {id: a, description: A, severity: low, expression: 0.1 + 0.2 == 0.3}\n"
                + "                                                         ^~~~~~~~~~~~~~~~",
        ])
    }

    @Test func unusedDeclaredFieldIsAWarning() throws {
        let yaml = """
            fields:
              risk_score: number
            rules:
              - {id: a, description: A, severity: low, expression: amount > 1}
            """
        let plan = try #require(RuleCompiler.compile(sources: [RuleSource(path: "w.yaml", text: yaml)]).plan)
        #expect(plan.warnings.map(\.message) == ["field 'risk_score' is declared but no rule reads it"])
    }

    @Test func severitiesAreOrdered() {
        #expect(Severity.info < .low && Severity.low < .medium && Severity.high < .critical)
    }
}
