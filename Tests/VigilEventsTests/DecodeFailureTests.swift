import Testing
import VigilEvents
import VigilValues

@Suite struct DecodeFailureTests {
    private typealias Reason = DecodeFailure.Reason

    @Test(arguments: [
        (#"{"event_id":"e","ts":1,"amount":1"#, Reason.invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1,}"#, .invalidJSON),
        (#"{"event_id":"e" "ts":1,"amount":1}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":01}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1.}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":+1}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1,"x":tru}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1,"x":[1,]}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1,"x":{"a"}}"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1,"x":[}"#, .invalidJSON),
        (#"{"event_id":"e\q","ts":1,"amount":1}"#, .invalidJSON),
        (#"{"event_id":"e\u12","ts":1,"amount":1}"#, .invalidJSON),
        (#"{"event_id":"\ud83d","ts":1,"amount":1}"#, .invalidJSON),
        (#"{"event_id":"\ude00x","ts":1,"amount":1}"#, .invalidJSON),
        (#"{"event_id":"\ud83d\u0041","ts":1,"amount":1}"#, .invalidJSON),
        ("{\"event_id\":\"tab\there\",\"ts\":1,\"amount\":1}", .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1} x"#, .invalidJSON),
        (#"{"event_id":"e","ts":1,"amount":1}{}"#, .invalidJSON),
        (#"{"a":1"#, .invalidJSON),
        ("{", .invalidJSON),
        ("nul", .invalidJSON),
        ("", .empty),
        (" \n\t ", .empty),
        ("[1,2]", .notAnObject),
        (#""just a string""#, .notAnObject),
        ("42", .notAnObject),
        ("null", .notAnObject),
        (#"{"ts":1,"amount":1}"#, .missingField),
        (#"{"event_id":"e","amount":1}"#, .missingField),
        (#"{"event_id":"e","ts":1}"#, .missingField),
        (#"{"event_id":null,"ts":1,"amount":1}"#, .missingField),
        (#"{"event_id":"e","ts":1,"amount":null}"#, .missingField),
        (#"{"event_id":7,"ts":1,"amount":1}"#, .mistypedField),
        (#"{"event_id":"e","ts":true,"amount":1}"#, .mistypedField),
        (#"{"event_id":"e","ts":1,"amount":"12.50"}"#, .mistypedField),
        (#"{"event_id":"e","ts":1,"amount":[1]}"#, .mistypedField),
        (#"{"event_id":"","ts":1,"amount":1}"#, .invalidEventID),
        (#"{"event_id":"e","ts":1,"amount":1.1234567}"#, .invalidAmount),
        (#"{"event_id":"e","ts":1,"amount":1000000000000.000001}"#, .invalidAmount),
        (#"{"event_id":"e","ts":1,"amount":-1e13}"#, .invalidAmount),
        (#"{"event_id":"e","ts":1,"amount":1e400}"#, .invalidAmount),
        (#"{"event_id":"e","ts":1.5,"amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","ts":1e3,"amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","ts":99999999999999999999,"amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","ts":253402300800000,"amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","ts":"2026-02-30T00:00:00Z","amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","ts":"yesterday","amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","ts":"","amount":1}"#, .invalidTimestamp),
        (#"{"event_id":"e","event_id":"f","ts":1,"amount":1}"#, .duplicateField),
        (#"{"event_id":"e","ts":1,"amount":1,"amount":1000}"#, .duplicateField),
        (#"{"event_id":"e","ts":1,"amount":1,"amoun\u0074":1000}"#, .duplicateField),
        (#"{"event_id":"e","ts":1,"amount":1,"card_id":"a","card_id":"b"}"#, .duplicateField),
    ])
    func malformedMessageFailsWithReason(json: String, reason: DecodeFailure.Reason) {
        #expect(decode(json).failure?.reason == reason)
    }

    @Test(
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
            [0x80],
        ] as [[UInt8]])
    func invalidUTF8IsInvalidJSON(sequence: [UInt8]) {
        let bytes = Array(#"{"event_id":"e","ts":1,"amount":1,"note":"a"#.utf8) + sequence + Array(#"b"}"#.utf8)
        #expect(decode(bytes).failure?.reason == .invalidJSON)
    }

    @Test func unrequestedDuplicatesAreTolerated() {
        #expect(decode(message(extra: #","note":1,"note":2"#)).failure == nil)
    }

    @Test func brokenSyntaxOutranksFieldProblems() {
        #expect(decode(#"{"event_id":"","ts":1.5,"amount":"x","#).failure?.reason == .invalidJSON)
    }

    @Test func nestingDeeperThanThirtyTwoIsInvalidJSON() {
        let nested = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(decode(message(extra: #","deep":\#(nested)"#)).failure?.reason == .invalidJSON)
    }

    @Test func hostileNestingFailsWithoutExhaustingTheStack() {
        let bytes = Array(repeating: UInt8(ascii: "["), count: 60_000)
        #expect(decode(bytes).failure?.reason == .invalidJSON)
    }

    @Test func messageOverTheLimitIsOversized() {
        let json = Array(message().utf8)
        #expect(decode(json, maximumMessageBytes: json.count - 1).failure?.reason == .oversized)
    }

    @Test func reasonCodesAreStable() {
        let reasons: [DecodeFailure.Reason] = [
            .invalidJSON, .empty, .notAnObject, .oversized, .missingField, .mistypedField, .invalidEventID,
            .invalidTimestamp, .invalidAmount, .duplicateField,
        ]
        #expect(
            reasons.map(\.code) == [
                "invalid_json", "empty", "not_an_object", "oversized", "missing_field", "mistyped_field",
                "invalid_event_id",
                "invalid_timestamp", "invalid_amount", "duplicate_field",
            ])
        #expect(DecodeFailure.Reason.invalidAmount.description == "invalid_amount")
    }
}
