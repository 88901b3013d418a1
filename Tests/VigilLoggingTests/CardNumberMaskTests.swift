import Testing
@testable import VigilLogging

@Suite struct CardNumberMaskTests {
    @Test(arguments: [
        ("card 4111111111111111 declined", "card 411111******1111 declined"),
        ("card 4111 1111 1111 1111 declined", "card 411111******1111 declined"),
        ("card 4111-1111-1111-1111 declined", "card 411111******1111 declined"),
        ("amex 3782-822463-10005", "amex 378282*****0005"),
        ("short visa 4222222222222", "short visa 422222***2222"),
        ("nineteen 6011000000000000001", "nineteen 601100*********0001"),
        ("4111111111111111", "411111******1111"),
        ("x4111111111111111y", "x411111******1111y"),
    ])
    func luhnValidCardNumbersKeepOnlyFirstSixAndLastFour(input: String, expected: String) {
        #expect(CardNumberMask.masked(input) == expected)
    }

    @Test(arguments: [
        "order 4111111111111112 shipped",
        "ts=1798761600000",
        "twelve digits 411111111117",
        "twenty digits 41111111111111111115",
        "double space 4111  1111 1111 1111",
        "underscores 4111_1111_1111_1111",
        "amount 12.50 at 2026-11-27T10:15:00Z",
        "",
    ])
    func textWithoutCardNumbersIsUnchanged(input: String) {
        #expect(CardNumberMask.masked(input) == input)
    }

    @Test func cardNumbersInsideJSONAreMaskedAndTheJSONStaysIntact() {
        let payload = #"{"card_id":"5555555555554444","amount":12.5,"order":"1798761600000"}"#
        #expect(CardNumberMask.masked(payload) == #"{"card_id":"555555******4444","amount":12.5,"order":"1798761600000"}"#)
    }

    @Test func everyCardNumberOnALineIsMasked() {
        let line = "from 4111111111111111 to 5555-5555-5555-4444 via 378282246310005"
        #expect(CardNumberMask.masked(line) == "from 411111******1111 to 555555******4444 via 378282*****0005")
    }

    @Test func cardNumberNextToOtherDigitGroupsIsStillMasked() {
        #expect(CardNumberMask.masked("2026-11-27 4111111111111111") == "2026-11-27 411111******1111")
    }

    @Test(arguments: ["4111111111111111", "378282246310005", "6011000000000000001"])
    func luhnAcceptsKnownTestNumbers(number: String) {
        #expect(Luhn.isValid(Array(number.utf8)))
    }

    @Test func hostileDigitSoupDoesNotCrash() {
        let soup = String(repeating: "1-2 3-", count: 5000)
        #expect(CardNumberMask.masked(soup).utf8.count <= soup.utf8.count)
    }
}
