import Foundation
import Testing
@testable import VigilRules

/// Each fixture `errors/<case>.yaml` holds several mistakes; `<case>.expected` is the exact report.
@Suite struct DiagnosticsGoldenTests {
    static let cases = ["typos", "types", "blocks", "syntax", "habits"]

    @Test(arguments: cases)
    func fixtureReportsEveryErrorWithCaret(_ name: String) throws {
        let directory = try #require(Bundle.module.url(forResource: "errors", withExtension: nil, subdirectory: "Fixtures"))
        let yaml = try String(contentsOf: directory.appendingPathComponent(name + ".yaml"), encoding: .utf8)
        let expected = try String(contentsOf: directory.appendingPathComponent(name + ".expected"), encoding: .utf8)
        let result = RuleCompiler.compile(
            sources: [RuleSource(path: name + ".yaml", text: yaml)], lists: ["high_risk_countries": ["KP"]])
        let diagnostics = try #require(result.diagnostics)
        #expect(diagnostics.rendered + "\n" == expected)
    }
}
