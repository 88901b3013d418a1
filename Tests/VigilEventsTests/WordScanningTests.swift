import Testing
import VigilEvents
import VigilValues

/// Strings, numbers and keys are scanned eight bytes at a time; these put every special byte at
/// every position of a word, and end messages in the middle of one.
@Suite struct WordScanningTests {
    private static let positions = Array(0..<17)

    @Test(arguments: positions)
    func quoteEndsAStringAtEveryPosition(length: Int) {
        let text = String(repeating: "m", count: length)
        let (event, failure) = decode(message(extra: #","merchant_id":"\#(text)""#))
        #expect(failure == nil)
        #expect(event.fields[5] == .string(text))
    }

    @Test(arguments: positions)
    func escapesAreFoundAtEveryPosition(position: Int) {
        let prefix = String(repeating: "a", count: position)
        for (escape, unescaped) in [(#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), (#"\/"#, "/")] {
            let (event, failure) = decode(message(extra: #","merchant_id":"\#(prefix)\#(escape)bcdefghij""#))
            #expect(failure == nil)
            #expect(event.fields[5] == .string(prefix + unescaped + "bcdefghij"))
        }
    }

    @Test(arguments: positions)
    func nonASCIITextInsideAnASCIIRunDecodes(position: Int) {
        let text = String(repeating: "a", count: position) + "é😀" + String(repeating: "z", count: 16 - position)
        let (event, failure) = decode(message(extra: #","merchant_id":"\#(text)""#))
        #expect(failure == nil)
        #expect(event.fields[5] == .string(text))
    }

    @Test(arguments: positions)
    func controlCharacterIsRejectedAtEveryPosition(position: Int) {
        let head = message(extra: #","merchant_id":""#).dropLast()
        let json = head + String(repeating: "a", count: position) + "\u{01}bcdefghij\"}"
        let failure = decode(String(json)).failure
        #expect(failure?.reason == .invalidJSON)
        #expect(failure?.detail == "unescaped control character at offset \(head.utf8.count + position)")
    }

    @Test(arguments: positions)
    func invalidUTF8IsRejectedAtEveryPosition(position: Int) {
        let head = Array(message(extra: #","merchant_id":""#).utf8.dropLast())
        let bytes = head + Array(repeating: UInt8(ascii: "a"), count: position) + [0xC3, 0x28] + Array(#"bcdefghij"}"#.utf8)
        let failure = decode(bytes).failure
        #expect(failure?.reason == .invalidJSON)
        #expect(failure?.detail == "invalid UTF-8 at offset \(head.count + position)")
    }

    @Test func everyTruncationOfAValidMessageIsInvalidJSON() {
        let bytes = Array(
            message(extra: #","merchant_id":"caf\u00e9 \"x\"","card_id":"c-12345678901234567","n":[1.5e3,true,null]"#)
                .utf8)
        #expect(decode(bytes).failure == nil)
        for length in 1..<bytes.count {
            #expect(decode(Array(bytes[..<length])).failure?.reason == .invalidJSON, "truncated to \(length) bytes")
        }
    }

    @Test(arguments: positions)
    func digitsEndAtEveryPosition(length: Int) throws {
        let digits = String(repeating: "7", count: max(length % 12, 1))
        let (event, failure) = decode(message(amount: digits + ".25"))
        #expect(failure == nil)
        #expect(event.amount == (try #require(ExactDecimal(digits + ".25"))))
        let broken = decode(message(amount: digits + ".x5")).failure
        #expect(broken?.detail.hasPrefix("expected a digit at offset") == true)
    }

    @Test(arguments: positions)
    func timestampsOfEveryLengthDecode(length: Int) {
        let digits = "1" + String(repeating: "0", count: min(length, 14))
        let (event, failure) = decode(message(ts: digits))
        #expect(failure == nil)
        #expect(event.timestamp == Int64(digits))
    }

    @Test(arguments: Array(1..<21))
    func keysOfEveryLengthMatchOnlyTheirName(length: Int) {
        let name = String("abcdefghijklmnopqrstu".prefix(length))
        let fields = [FieldSpec(name: name, type: .string)]
        let nearMisses = [String(name.dropLast()) + "_", "_" + name.dropFirst(), name + "x"]
        let misses = nearMisses.map { #","\#($0)":"miss""# }.joined()
        let (event, failure) = decode(message(extra: misses + #","\#(name)":"hit""#), fields: fields)
        #expect(failure == nil)
        #expect(event.fields == [.string("hit")])
        #expect(decode(message(extra: #","\#(name)":"a","\#(name)":"b""#), fields: fields).failure?.reason == .duplicateField)
    }

    @Test func whitespaceBetweenEveryTokenIsAccepted() {
        let json = " {\n\t\"event_id\" :\r \"e\" , \"ts\"\t: 1 ,\n\"amount\" : 2.5 , \"merchant_id\" : \"m\" , \"x\" : [ 1 , { } ] } "
        let (event, failure) = decode(json)
        #expect(failure == nil)
        #expect(event.fields[5] == .string("m"))
    }
}
