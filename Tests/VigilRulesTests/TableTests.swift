import Testing
@testable import VigilRules
import VigilValues

/// Lookup tables: reading `tables/<name>.txt`, checking `table[key]`, and evaluating it.
@Suite struct TableTests {
    static let limits = """
        # per-currency limits
        JPY   1500000
        KRW\t13000000   # won

        EUR 10000.50
        *     10000
        """

    private func read(_ text: String) -> (table: LookupTable, diagnostics: [Diagnostic]) {
        TableFile.read(SourceFile(path: "tables/limit.txt", text: text), name: "limit")
    }

    @Test func rowsCommentsBlanksAndTheDefaultRowAreRead() {
        let (table, diagnostics) = read(Self.limits)
        #expect(diagnostics.isEmpty)
        #expect(table.rows == ["JPY": ExactDecimal(1_500_000), "KRW": ExactDecimal(13_000_000), "EUR": ExactDecimal("10000.50")])
        #expect(table.defaultValue == ExactDecimal(10_000))
        #expect(table.value(for: "KRW") == ExactDecimal(13_000_000))
        #expect(table.value(for: "CHF") == ExactDecimal(10_000))
        #expect(read("JPY 1\n").table.value(for: "CHF") == nil, "without a default row a key without a row has no value")
    }

    /// Every malformed row is reported in one round, at its own line and column, with a caret.
    @Test func everyMalformedRowIsReportedWithLineColumnAndCaret() {
        let text = """
            JPY 1500000
            KRW
              HUF 1,500,000
            IDR 1e6
            JPY 2
            * 10000
            *
            * 20000
            VND 1 2
            INR 0.0000001
            """
        let rendered = read(text).diagnostics.map(\.rendered)
        #expect(rendered == [
            "tables/limit.txt:2:1: error: row 'KRW' has no value; write the key, then a number, as in KRW 10000\n  KRW\n  ^~~",
            "tables/limit.txt:3:7: error: '1,500,000' is not a number; write it without separators: 1500000\n    HUF 1,500,000\n        ^~~~~~~~~",
            "tables/limit.txt:4:5: error: '1e6' is not a plain number; write 1000000\n  IDR 1e6\n      ^~~",
            "tables/limit.txt:5:1: error: key 'JPY' has a row already, at line 1\n  JPY 2\n  ^~~",
            "tables/limit.txt:7:1: error: the default row has no value; write the key, then a number, as in * 10000\n  *\n  ^",
            "tables/limit.txt:8:1: error: the table has a default row already, at line 6\n  * 20000\n  ^",
            "tables/limit.txt:9:7: error: a row is one key and one number; '2' is one word too many\n  VND 1 2\n        ^",
            "tables/limit.txt:10:5: error: '0.0000001' is not a number, or is out of range or has more than six decimal places; "
                + "write a value such as 1500000 or 0.25\n  INR 0.0000001\n      ^~~~~~~~~",
        ])
    }

    @Test func aQuotedKeyIsWarnedAbout() {
        let diagnostics = read("\"JPY\" 1500000\n").diagnostics
        #expect(diagnostics.map(\.severity) == [.warning])
        #expect(diagnostics.first?.message.hasPrefix("the quotes are part of the entry") == true)
    }

    /// A malformed table fails the set, reported beside the rules' own mistakes.
    @Test func aMalformedTableFailsTheRuleSet() throws {
        let diagnostics = try #require(
            compileExpression("amout > limit[currency]", tables: ["limit": "JPY ten\n"]).diagnostics)
        #expect(diagnostics.items.map(\.location.file) == ["tables/limit.txt", "test.yaml"])
        #expect(diagnostics.items.map(\.message).first == "'ten' is not a number, or is out of range or has more than six decimal places; write a value such as 1500000 or 0.25")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let fields: [String: String]
        let expected: Bool?
        var testDescription: String { "\(expression) with \(fields)" }
    }

    @Test(arguments: [
        Case(expression: "amount > limit[currency]", fields: ["currency": "\"JPY\"", "amount": "1500000"], expected: false),
        Case(expression: "amount > limit[currency]", fields: ["currency": "\"JPY\"", "amount": "1500000.01"], expected: true),
        Case(expression: "amount > limit[currency]", fields: ["currency": "\"CHF\"", "amount": "10000.01"], expected: true),
        Case(expression: "amount > limit[currency]", fields: ["currency": "\"CHF\"", "amount": "10000"], expected: false),
        Case(expression: "amount > limit[currency]", fields: ["amount": "99999999"], expected: nil),
        Case(expression: "amount > strict[currency]", fields: ["currency": "\"CHF\"", "amount": "99999999"], expected: nil),
        Case(expression: "amount > strict[currency]", fields: ["currency": "\"JPY\"", "amount": "2"], expected: true),
        Case(expression: "amount > strict[currency] or amount > 5", fields: ["currency": "\"CHF\"", "amount": "6"], expected: true),
        Case(expression: "amount * 2 > limit[\"JPY\"] + 1", fields: ["amount": "750001"], expected: true),
        Case(expression: "amount > limit[channel]", fields: ["channel": "\"KRW\"", "amount": "13000001"], expected: true),
    ])
    func lookupReadsTheRowTheDefaultOrNothing(_ test: Case) throws {
        let result = compileExpression(test.expression, tables: ["limit": Self.limits, "strict": "JPY 1\n"])
        if let diagnostics = result.diagnostics { Issue.record("\(diagnostics.rendered)") }
        let plan = try #require(result.plan)
        #expect(evaluate(plan, fields: test.fields) == test.expected)
    }

    @Test(arguments: [
        ("amount > limt[currency]", "unknown table 'limt'; did you mean 'limit'?"),
        ("amount > caps[currency]", "unknown table 'caps'; a table is a file tables/caps.txt in the rules directory, one KEY VALUE row per line"),
        ("amount > risky[currency]", "unknown table 'risky'; 'risky' is a named list, used as: <field> in risky"),
        ("amount > limit[amount]", "table 'limit' is keyed by strings, but this key is a number"),
        ("amount > limit", "'limit' is a table; read a value with a key in brackets, as in limit[currency]"),
        ("currency == limit[currency]", "cannot compare a string and a number"),
        ("starts_with(limit[currency], \"1\")", "starts_with needs a string, but this is a number"),
        ("country in limit", "unknown list 'limit' ('limit' is a table; in needs a list)"),
        ("amount > limit[]", "expected a key, as in limit[currency], found ']'"),
        ("amount > limit[currency", "expected ']' after the key, found end of expression"),
    ])
    func misuseOfATableIsReportedPrecisely(_ expression: String, _ message: String) throws {
        let result = compileExpression(expression, lists: ["risky": ["KP"]], tables: ["limit": Self.limits])
        let diagnostics = try #require(result.diagnostics)
        #expect(diagnostics.items.map(\.message) == [message])
    }

    @Test func anUnknownTableIsPlacedWithACaret() throws {
        let diagnostics = try #require(compileExpression("amount > limt[currency]", tables: ["limit": Self.limits]).diagnostics)
        #expect(diagnostics.rendered == """
            test.yaml:6:27: error: unknown table 'limt'; did you mean 'limit'?
                  expression: 'amount > limt[currency]'
                                        ^~~~
            """)
    }

    @Test func aListAndATableOfOneNameAreAnError() throws {
        let result = compileExpression("amount > 1", lists: ["limit": ["KP"]], tables: ["limit": Self.limits])
        let diagnostics = try #require(result.diagnostics)
        #expect(diagnostics.rendered == "tables/limit.txt: error: a list and a table are both named 'limit'; rename one of them, so that a rule's 'limit' means one thing")
    }

    @Test func aReadIsNamedByItsCanonicalTextAndTheRuleListsItsTables() throws {
        let plan = try #require(compileExpression(
            "amount>limit[ currency ] and count(by: card_id, over: 1h, where: amount > strict[channel]) > 1",
            tables: ["limit": Self.limits, "strict": "JPY 1\n"]).plan)
        let rule = try #require(plan.rules.first)
        #expect(rule.tables == ["limit", "strict"])
        #expect(plan.aggregators.first?.canonicalText == "count(by: card_id, over: 1h, where: amount > strict[channel])")
        let frame = EvaluationFrame(fieldCount: plan.fields.count, aggregatorCount: plan.aggregators.count)
        for (index, spec) in plan.fields.enumerated() where spec.name == "currency" { frame.fields[index] = .string("CHF") }
        let traces = rule.explainLookups(frame)
        #expect(traces.map(\.text) == ["limit[currency]"], "a filter's reads are the window's, not the event's")
        #expect(traces.first?.key == "CHF")
        #expect(traces.first?.value == ExactDecimal(10_000))
        #expect(traces.first?.isDefault == true)
    }
}
