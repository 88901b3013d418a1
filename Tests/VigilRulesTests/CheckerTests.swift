import Testing
@testable import VigilRules

@Suite struct CheckerTests {
    @Test(arguments: [
        ("amount > \"one\"", "cannot compare a number and a string"),
        ("country < \"US\"", "'<' orders numbers only; a string allows == and !="),
        ("amount + country > 1", "'+' needs numbers, but its operands are a number and a string"),
        ("amount", "a rule's expression must be a condition (true or false), but this is a number"),
        ("amount > 1 and 5", "'and' joins conditions, but its operands are a condition (true or false) and a number"),
        ("avg(card_id, by: ip, over: 1h) > 1", "avg needs a number field, but 'card_id' is a string"),
        ("count(by: card_id) > 1", "count needs over: (as in over: 5m)"),
        ("count(over: 1m) > 1", "count needs by: (as in by: card_id)"),
        ("count(amount, by: ip, over: 1m) > 1", "count takes no field, as in count(by: card_id, over: 5m)"),
        ("sum(by: ip, over: 1m) > 1", "sum needs one field to aggregate, as in sum(amount, by: card_id, over: 1h)"),
        ("count(by: ip, over: 1m, where: amount) > 1", "where: needs a condition, but this is a number"),
        ("amount in [\"1\"]", "list element is a string, but the value before in is a number"),
        ("amount in risky", "unknown list 'risky'"),
        ("country in amount", "unknown list 'amount' ('amount' is a field; in needs a list)"),
        ("amount > 5m", "a duration is only allowed as the over: of an aggregate"),
        ("starts_with(amount, \"4\")", "starts_with needs a string, but this is a number"),
        ("amount > 1.0000001", "number 1.0000001 is out of range or has more than six decimal places"),
        ("count(by: ip, over: 1m, over: 2m) > 1", "over: is given twice"),
        ("country in [\"US\", ip]", "list elements must be literal values"),
        ("not amount", "not needs a condition, but this is a number"),
        ("amount / 0 > 1", "division by zero: its value is unknown, so the rule could never fire"),
        ("count(by: [card_id, card_id], over: 1m) > 1", "card_id appears twice in by:; a key names each field once"),
        ("country in [\"KP\"] == false", "a membership test cannot be compared again; write `not in` for the opposite, and join other tests with and"),
        (
            "sum(amount, by: account_id, over: 1h) > 3 * avg(amount, by: device_id, over: 7d)",
            "this rule reads aggregates keyed by [account_id] and [device_id], which share no field, so no partitioning "
                + "of the input keeps each key's events together: split it into one rule per key"
        ),
    ])
    func typeErrorIsReported(_ expression: String, _ message: String) throws {
        let diagnostics = try #require(compileExpression(expression).diagnostics)
        #expect(diagnostics.items.map(\.message) == [message])
    }

    @Test(arguments: [
        ("amount == \"100\"", "cannot compare a number and a string; amount is a number, so write 100 without quotes"),
        ("\"0.5\" < amount", "cannot compare a string and a number; amount is a number, so write 0.5 without quotes"),
        ("mcc == 5411", "cannot compare a string and a number; mcc is a string, so quote the number: \"5411\""),
        ("mcc == 0742", "cannot compare a string and a number; mcc is a string, so quote the number: \"0742\""),
        ("is_3ds == \"true\"", "cannot compare a condition (true or false) and a string; is_3ds is true or false, so write true without quotes"),
    ])
    func comparisonThatOnlyQuotesSpoilSaysHowToWriteIt(_ expression: String, _ message: String) throws {
        let diagnostics = try #require(compileExpression(expression, fields: "fields: {is_3ds: bool}").diagnostics)
        #expect(diagnostics.items.map(\.message) == [message])
    }

    @Test(arguments: [
        ("500ms", "write 1s"), ("1500ms", "write 1s or 2s"), ("60000ms", "write 1m"), ("1.5ms", nil),
    ])
    func windowInMillisecondsSaysWindowsAreWholeSeconds(_ window: String, _ advice: String?) throws {
        let diagnostics = try #require(compileExpression("count(by: ip, over: \(window)) > 1").diagnostics)
        let rule = "durations are whole seconds, 1s at least; milliseconds (ms) are not a unit here"
        #expect(diagnostics.items.map(\.message) == [[rule, advice].compactMap { $0 }.joined(separator: "; ")])
    }

    @Test func everyErrorOfOneExpressionIsReported() throws {
        let diagnostics = try #require(compileExpression("amout > 1 and contry == \"US\" or sum(mcc, by: ip, over: 1m) > 2").diagnostics)
        #expect(diagnostics.items.count == 3)
    }

    @Test(arguments: [
        ("risk_score > 0.9",
         "unknown field 'risk_score'; declare it under fields: (number, string or bool), or quote it to compare with text"),
        ("count(by: nosuch, over: 5m) > 1", "unknown field 'nosuch'; declare it under fields: (number, string or bool)"),
        ("sum(nosuch, by: ip, over: 5m) > 1", "unknown field 'nosuch'; declare it under fields: (number, string or bool)"),
        ("count(by: crd_id, over: 5m) > 1", "unknown field 'crd_id'; did you mean 'card_id'?"),
    ])
    func unknownFieldAdviceFitsWhereTheNameStands(_ expression: String, _ message: String) throws {
        let diagnostics = try #require(compileExpression(expression).diagnostics)
        #expect(diagnostics.items.map(\.message) == [message])
    }

    /// A refused duration or number stands in as a harmless value, so the rest of the expression
    /// is still checked and its mistakes come in the same round.
    @Test func refusedValuesDoNotHideTheExpressionsOtherMistakes() throws {
        let diagnostics = try #require(compileExpression("starts_with(amount, \"4\") and count(by: card_id, over: 0s) > 1e6").diagnostics)
        #expect(diagnostics.items.map(\.message) == [
            "starts_with needs a string, but this is a number",
            "duration must be at least 1s",
            "exponents are not supported in numbers; write 1000000",
        ])
    }

    @Test func suggestionPicksTheClosestName() {
        #expect(Suggestion.hint(for: "merchnt_id", among: ["merchant_id", "card_id"]) == "; did you mean 'merchant_id'?")
        #expect(Suggestion.hint(for: "zzz", among: ["merchant_id", "card_id"]).isEmpty)
    }

    @Test func shortNamesAreMatchedOnlyByOneSlip() {
        #expect(Suggestion.hint(for: "bgi", among: ["big", "card-testing-burst"]) == "; did you mean 'big'?")
        #expect(Suggestion.hint(for: "cuont", among: ["count", "sum"]) == "; did you mean 'count'?")
        #expect(Suggestion.hint(for: "US", among: ["ip", "mcc", "country"]).isEmpty)
    }

    @Test func fieldRedeclaredWithAnotherTypeIsAnError() throws {
        let diagnostics = try #require(compileExpression("amount > 1", fields: "fields: {amount: string}").diagnostics)
        #expect(diagnostics.items.map(\.message) == ["field 'amount' is a built-in field as number, not string"])
    }
}
