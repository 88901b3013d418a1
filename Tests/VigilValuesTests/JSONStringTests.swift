import Testing
import VigilValues

@Suite struct JSONStringTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("say \"hi\"", #""say \"hi\"""#),
        ("back\\slash", #""back\\slash""#),
        ("line\nbreak\ttab\r", #""line\nbreak\ttab\r""#),
        ("\u{01}\u{1F}", #""\u0001\u001f""#),
        ("café ✓", "\"café ✓\""),
        ("", #""""#),
    ])
    func escapesWhatJSONRequiresAndKeepsTheRest(text: String, expected: String) {
        #expect(JSONString.quoted(text) == expected)
    }
}
