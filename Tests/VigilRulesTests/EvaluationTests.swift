import Testing
@testable import VigilRules

@Suite struct EvaluationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let fields: [String: String]
        let expected: Bool?
        var testDescription: String { "\(expression) with \(fields)" }
    }

    static let cases: [Case] = [
        Case(expression: "amount > 1000", fields: ["amount": "1000.01"], expected: true),
        Case(expression: "amount > 1000", fields: ["amount": "1000"], expected: false),
        Case(expression: "amount > 1000", fields: [:], expected: nil),
        Case(expression: "0.1 + 0.2 == 0.3", fields: [:], expected: true),
        Case(expression: "amount * 3 == 0.9", fields: ["amount": "0.30"], expected: true),
        Case(expression: "amount / (amount - 5) > 1", fields: ["amount": "5"], expected: nil),
        Case(expression: "amount * 9000000 > 1", fields: ["amount": "9000000"], expected: nil),
        Case(expression: "-amount < 0", fields: ["amount": "5"], expected: true),
        Case(expression: "2 + 3 * 4 == 14", fields: [:], expected: true),
        Case(expression: "(2 + 3) * 4 == 20", fields: [:], expected: true),
        Case(expression: "10 - 4 - 3 == 3", fields: [:], expected: true),
        Case(expression: "amount > 1 and country == \"US\"", fields: ["amount": "0"], expected: false),
        Case(expression: "country == \"US\" and amount > 1", fields: ["amount": "0"], expected: false),
        Case(expression: "amount > 1 and country == \"US\"", fields: ["amount": "5"], expected: nil),
        Case(expression: "amount > 1 or country == \"US\"", fields: ["amount": "5"], expected: true),
        Case(expression: "country == \"US\" or amount > 1", fields: ["amount": "5"], expected: true),
        Case(expression: "amount > 1 or country == \"US\"", fields: ["amount": "0"], expected: nil),
        Case(expression: "not amount > 1", fields: ["amount": "0"], expected: true),
        Case(expression: "not amount > 1", fields: [:], expected: nil),
        Case(
            expression: "currency == \"EUR\" and amount > 5000 or currency == \"JPY\" and amount > 700000",
            fields: ["currency": "\"JPY\"", "amount": "800000"], expected: true),
        Case(
            expression: "currency == \"EUR\" and amount > 5000 or currency == \"JPY\" and amount > 700000",
            fields: ["currency": "\"EUR\"", "amount": "6000"], expected: true),
        Case(
            expression: "currency == \"EUR\" and amount > 5000 or currency == \"JPY\" and amount > 700000",
            fields: ["currency": "\"JPY\"", "amount": "6000"], expected: false),
        Case(expression: "country in [\"US\", \"GB\"]", fields: ["country": "\"GB\""], expected: true),
        Case(expression: "country not in [\"US\", \"GB\"]", fields: ["country": "\"GB\""], expected: false),
        Case(expression: "country not in [\"US\", \"GB\"]", fields: [:], expected: nil),
        Case(expression: "amount in [1, 2.5]", fields: ["amount": "2.50"], expected: true),
        Case(expression: "starts_with(card_id, \"4111\")", fields: ["card_id": "\"411111\""], expected: true),
        Case(expression: "ends_with(card_id, \"99\")", fields: ["card_id": "\"411111\""], expected: false),
        Case(expression: "contains(ip, \"10.\")", fields: ["ip": "\"10.0.0.1\""], expected: true),
        Case(expression: "channel != 'ecom'", fields: ["channel": "\"pos\""], expected: true),
        Case(expression: "true and not false", fields: [:], expected: true),
        Case(expression: "2 * amount == 9", fields: ["amount": "4.5"], expected: true),
        Case(expression: "amount * 0.5 == 2.25", fields: ["amount": "4.5"], expected: true),
        Case(
            expression: "country in [\"A\", \"B\", \"C\", \"D\", \"E\", \"F\", \"G\", \"H\", \"I\", \"US\"]",
            fields: ["country": "\"US\""], expected: true),
        Case(
            expression: "country not in [\"A\", \"B\", \"C\", \"D\", \"E\", \"F\", \"G\", \"H\", \"I\", \"US\"]",
            fields: ["country": "\"FR\""], expected: true),
        Case(expression: "\"EUR\" == currency", fields: ["currency": "\"EUR\""], expected: true),
    ]

    @Test(arguments: cases)
    func expressionEvaluatesWithThreeValuedLogic(_ testCase: Case) throws {
        let plan = try #require(compileExpression(testCase.expression).plan)
        #expect(evaluate(plan, fields: testCase.fields) == testCase.expected)
    }

    @Test func declaredBoolFieldIsACondition() throws {
        let plan = try #require(compileExpression("is_3ds and amount > 1", fields: "fields: {is_3ds: bool}").plan)
        #expect(evaluate(plan, fields: ["is_3ds": "true", "amount": "2"]) == true)
        #expect(evaluate(plan, fields: ["is_3ds": "false", "amount": "2"]) == false)
    }

    @Test func aggregateComparesAgainstItsFrameSlot() throws {
        let plan = try #require(
            compileExpression("sum(amount, by: [card_id, merchant_id], over: 1m) > 3 * avg(amount, by: card_id, over: 30d)").plan)
        #expect(plan.aggregators.count == 2)
        #expect(evaluate(plan, fields: [:], aggregates: ["400", "100"]) == true)
        #expect(evaluate(plan, fields: [:], aggregates: ["300", "100"]) == false)
        #expect(evaluate(plan, fields: [:], aggregates: ["300", "-"]) == nil)
    }

    @Test func namedListMembershipUsesTheListEntries() throws {
        let lists = ["high_risk_countries": ["KP", "IR"]]
        let plan = try #require(compileExpression("country in high_risk_countries", lists: lists).plan)
        #expect(evaluate(plan, fields: ["country": "\"IR\""]) == true)
        #expect(evaluate(plan, fields: ["country": "\"FR\""]) == false)
    }

    @Test func explainReportsEachComparisonWithItsValues() throws {
        let plan = try #require(compileExpression("amount > 1000 and count(by: card_id, over: 5m) > 5").plan)
        let rule = try #require(plan.rules.first)
        let frame = EvaluationFrame(fieldCount: plan.fields.count, aggregatorCount: plan.aggregators.count)
        frame.fields[0] = value("1500")
        frame.aggregates[0] = value("7")
        let traces = rule.explain(frame)
        #expect(traces.map(\.text) == ["amount > 1000", "count(by: card_id, over: 5m) > 5"])
        #expect(traces.map(\.left) == [value("1500"), value("7")])
        #expect(traces.map(\.right) == [value("1000"), value("5")])
        #expect(traces[1].leftText == "count(by: card_id, over: 5m)")
    }
}
