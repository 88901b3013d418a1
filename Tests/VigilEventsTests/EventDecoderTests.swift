import Testing
import VigilEvents
import VigilValues

@Suite struct EventDecoderTests {
    @Test func typicalEventDecodesToExactValues() throws {
        let json = """
            {"event_id":"evt_01HZX3K9Q2M7","ts":"2026-11-27T10:15:00.123Z","amount":125.50,
             "card_id":"card_9f8e7d6c5b","currency":"EUR","is_3ds":true,"risk_score":0.000001,
             "merchant_id":"m_98765","ip":"203.0.113.42"}
            """
        let (event, failure) = decode(json)
        #expect(failure == nil)
        #expect(event.eventID == "evt_01HZX3K9Q2M7")
        #expect(event.timestamp == 1_795_774_500_123)
        #expect(event.amount == ExactDecimal("125.5"))
        let amount = try #require(ExactDecimal("125.5"))
        #expect(
            event.fields == [
                .string("card_9f8e7d6c5b"), .number(amount), .string("EUR"), .bool(true),
                .number(ExactDecimal(units: 1)), .string("m_98765"),
            ])
    }

    @Test func unrequestedNestedValuesAreSkipped() {
        let extra = #","meta":{"a":[1,{"b":[[],{}]},"x\"y"],"c":null},"tags":[true,false,null,-1.5e3],"currency":"USD""#
        let (event, failure) = decode(message(extra: extra))
        #expect(failure == nil)
        #expect(event.fields[2] == .string("USD"))
    }

    @Test func absentNullNestedAndMistypedFieldsAreNil() {
        let extra = #","card_id":null,"currency":{"code":"EUR"},"is_3ds":"yes","risk_score":"0.5""#
        let (event, failure) = decode(message(extra: extra))
        #expect(failure == nil)
        #expect(event.fields[0] == nil)
        #expect(event.fields[2] == nil)
        #expect(event.fields[3] == nil)
        #expect(event.fields[4] == nil)
        #expect(event.fields[5] == nil)
    }

    @Test func numberFieldThatIsNotExactIsNil() {
        let (event, failure) = decode(message(extra: #","risk_score":0.1234567"#))
        #expect(failure == nil)
        #expect(event.fields[4] == nil)
    }

    /// Plain amounts take a fast path and the rest the full grammar; both must agree with the text.
    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("12", "12"), ("12.5", "12.5"), ("-12.50", "-12.5"), ("0.000001", "0.000001"),
        ("999999999999", "999999999999"), ("1000000000000", "1000000000000"), ("123456.123456", "123456.123456"),
        ("1.5e3", "1500"), ("25E-2", "0.25"), ("1.2300000", "1.23"), ("-0.0000010", "-0.000001"),
    ])
    func amountsOfEveryShapeDecodeExactly(json: String, expected: String) throws {
        let (event, failure) = decode(message(amount: json))
        #expect(failure == nil)
        #expect(event.amount == (try #require(ExactDecimal(expected))))
    }

    @Test(arguments: ["1.1234567", "1000000000000.000001", "10000000000000", "1e13"])
    func amountsBeyondTheContractAreRejected(json: String) {
        #expect(decode(message(amount: json)).failure?.reason == .invalidAmount)
    }

    @Test(arguments: [
        (#""line\nbreak""#, "line\nbreak"),
        (#""say \"hi\" \\ \/""#, "say \"hi\" \\ /"),
        (#""caf\u00e9""#, "café"),
        (#""café""#, "café"),
        (#""\ud83d\ude00 smile""#, "😀 smile"),
        (#""\b\f\r\t""#, "\u{08}\u{0C}\r\t"),
        (
            #""a much longer merchant name that will not fit inline \u2603""#,
            "a much longer merchant name that will not fit inline ☃"
        ),
        (#""Zürich Hauptbahnhof Kiosk 😀 Nr. 12, Gleis 7""#, "Zürich Hauptbahnhof Kiosk 😀 Nr. 12, Gleis 7"),
    ])
    func escapedStringsDecode(json: String, expected: String) {
        let (event, failure) = decode(message(extra: #","merchant_id":\#(json)"#))
        #expect(failure == nil)
        #expect(event.fields[5] == .string(expected))
    }

    @Test func escapedKeysMatchTheirUnescapedNames() {
        let (event, failure) = decode(message(extra: #","curr\u0065ncy":"CHF""#))
        #expect(failure == nil)
        #expect(event.fields[2] == .string("CHF"))
    }

    @Test func shortKeysAtTheEndOfTheMessageMatch() {
        let fields = [FieldSpec(name: "ip", type: .number), FieldSpec(name: "id", type: .string)]
        let (event, failure) = decode(#"{"ts":1,"amount":2,"event_id":"e","id":"x","ip":3}"#, fields: fields)
        #expect(failure == nil)
        #expect(event.fields == [.number(ExactDecimal(units: 3_000_000)), .string("x")])
    }

    @Test func reusedEventKeepsNoStaleValues() {
        let decoder = EventDecoder(fields: typicalFields)
        var event = PaymentEvent(fieldCount: typicalFields.count)
        let first = Array(message(id: #""first""#, extra: #","card_id":"c-1","currency":"EUR","is_3ds":false"#).utf8)
        let second = Array(message(id: #""second""#, amount: "7", extra: #","currency":"GBP""#).utf8)
        #expect(first.withUnsafeBytes { decoder.decode($0, into: &event) } == nil)
        #expect(event.fields[0] == .string("c-1"))
        #expect(second.withUnsafeBytes { decoder.decode($0, into: &event) } == nil)
        #expect(event.eventID == "second")
        #expect(event.amount == ExactDecimal(7))
        #expect(event.fields == [nil, .number(ExactDecimal(units: 7_000_000)), .string("GBP"), nil, nil, nil])
    }

    @Test func failedDecodeClearsFieldsToo() {
        let decoder = EventDecoder(fields: typicalFields)
        var event = PaymentEvent(fieldCount: typicalFields.count)
        let good = Array(message(extra: #","card_id":"c-1""#).utf8)
        let bad = Array(#"{"card_id":"c-2"}"#.utf8)
        _ = good.withUnsafeBytes { decoder.decode($0, into: &event) }
        #expect(bad.withUnsafeBytes { decoder.decode($0, into: &event) }?.reason == .missingField)
        #expect(event.fields.allSatisfy { $0 == nil })
    }

    @Test func requiredFieldsCanBeRequestedByName() {
        let fields = [
            FieldSpec(name: "event_id", type: .string), FieldSpec(name: "ts", type: .number),
            FieldSpec(name: "amount", type: .number), FieldSpec(name: "amount", type: .string),
        ]
        let (event, failure) = decode(message(ts: #""1970-01-01T00:00:01.5Z""#, amount: "3.25"), fields: fields)
        #expect(failure == nil)
        #expect(
            event.fields == [
                .string("e-1"), .number(ExactDecimal(units: 1_500_000_000)), .number(ExactDecimal(units: 3_250_000)),
                nil,
            ])
    }

    @Test func whitespaceAroundAndInsideTheDocumentIsAccepted() {
        let (event, failure) = decode(" \n\t{ \"event_id\" : \"e\" ,\r\n \"ts\" : 0 , \"amount\" : -0.5 } \n")
        #expect(failure == nil)
        #expect(event.amount == ExactDecimal("-0.5"))
        #expect(event.timestamp == 0)
    }

    @Test(arguments: [("12.5000000", "12.5"), ("1.5e3", "1500"), ("-0", "0"), ("1000000000000", "1000000000000")])
    func amountsThatAreExactInSixDigitsAreAccepted(text: String, expected: String) {
        let (event, failure) = decode(message(amount: text))
        #expect(failure == nil)
        #expect(event.amount.description == expected)
    }

    @Test func integerTimestampsMayBeNegative() {
        let (event, failure) = decode(message(ts: "-86400000"))
        #expect(failure == nil)
        #expect(event.timestamp == -86_400_000)
    }

    @Test func nestingUpToThirtyTwoLevelsIsAccepted() {
        let nested = String(repeating: "[", count: 31) + String(repeating: "]", count: 31)
        #expect(decode(message(extra: #","deep":\#(nested)"#)).failure == nil)
    }

    @Test func messageAtTheSizeLimitIsAccepted() {
        let json = Array(message().utf8)
        #expect(decode(json, maximumMessageBytes: json.count).failure == nil)
    }

    @Test func failureDetailNamesTheOffsetButNotThePayload() throws {
        let json = message(extra: #","card_id":"secret-card-number",oops"#)
        let failure = try #require(decode(json).failure)
        #expect(failure.reason == .invalidJSON)
        #expect(failure.detail.contains("offset \(json.utf8.count - 5)"))
        #expect(!failure.detail.contains("secret"))
    }
}
