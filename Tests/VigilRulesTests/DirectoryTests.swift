import Foundation
import Testing
@testable import VigilRules
import VigilValues

/// Compiles real directories: file discovery, named lists and the content version.
@Suite struct DirectoryTests {
    private let rule = """
        rules:
          - id: risky-country
            description: Payment from a high-risk country
            severity: high
            expression: country in high_risk_countries and amount > 100   # lists live in lists/
        """

    private func makeDirectory(listEntries: Int = 3) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lists"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tests"), withIntermediateDirectories: true)
        try rule.write(to: directory.appendingPathComponent("velocity.yaml"), atomically: true, encoding: .utf8)
        try "not: [valid".write(to: directory.appendingPathComponent("tests/ignored.yaml"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let entries = (0..<listEntries).map { "C\($0)" }.joined(separator: "\n")
        let list = "# countries under enhanced monitoring\n\nKP  # North Korea\n" + entries + "\n"
        try list.write(to: directory.appendingPathComponent("lists/high_risk_countries.txt"), atomically: true, encoding: .utf8)
        return directory
    }

    private func evaluate(_ plan: RulePlan, country: String) -> Bool? {
        let frame = EvaluationFrame(fieldCount: plan.fields.count, aggregatorCount: plan.aggregators.count)
        for (index, field) in plan.fields.enumerated() {
            frame.fields[index] = field.name == "country" ? .string(country) : ExactDecimal("500").map(Value.number)
        }
        return plan.rules.first?.evaluate(frame)
    }

    @Test func largeNamedListLoadsFromLists() throws {
        let directory = try makeDirectory(listEntries: 100_000)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = RuleCompiler.compile(directory: directory.path)
        if let diagnostics = result.diagnostics { Issue.record("\(diagnostics.rendered)") }
        let plan = try #require(result.plan)
        #expect(evaluate(plan, country: "KP") == true)
        #expect(evaluate(plan, country: "C99999") == true)
        #expect(evaluate(plan, country: "FR") == false)
        #expect(plan.rules.first?.location.file == directory.path + "/velocity.yaml")
    }

    /// A rule file that cannot be read fails the whole set, named with the reason, beside what
    /// the other files got wrong: loading without it would drop its rules unnoticed.
    @Test func unreadableRuleAndListFilesFailTheSetWithTheirReason() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("amounts.yaml").path, withDestinationPath: directory.appendingPathComponent("gone.yaml").path)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("geo.yaml"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lists/blocked_bins.txt"), withIntermediateDirectories: false)
        let before = try #require(RuleCompiler.version(ofDirectory: directory.path))
        let diagnostics = try #require(RuleCompiler.compile(directory: directory.path).diagnostics)
        let lines = diagnostics.rendered.components(separatedBy: "\n")
        #expect(lines.contains(directory.path + "/amounts.yaml: error: cannot read: a symbolic link to a file that does not exist"), "\(lines)")
        #expect(lines.contains(directory.path + "/geo.yaml: error: cannot read: it is a directory"))
        #expect(lines.contains(directory.path + "/lists/blocked_bins.txt: error: cannot read: it is a directory"))
        #expect(diagnostics.items.count == 3)
        try "rules: []".write(to: directory.appendingPathComponent("gone.yaml"), atomically: true, encoding: .utf8)
        #expect(RuleCompiler.version(ofDirectory: directory.path) != before, "a file that became readable is a change")
    }

    /// Mistakes in the lists folder are warned about where they are: they load, but cannot do
    /// what the analyst meant.
    @Test func listFilesThatCannotMeanWhatTheySayAreWarnedAbout() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lists = directory.appendingPathComponent("lists")
        try "KP\n  \"GB\"\nFR\n".write(to: lists.appendingPathComponent("high_risk_countries.txt"), atomically: true, encoding: .utf8)
        try "4111\n".write(to: lists.appendingPathComponent("bins.csv"), atomically: true, encoding: .utf8)
        try "x\n".write(to: lists.appendingPathComponent("Bad-Name.txt"), atomically: true, encoding: .utf8)
        try Data([0x4B, 0x50, 0x0A, 0xC3, 0x28, 0x0A]).write(to: lists.appendingPathComponent("raw.txt"))
        let plan = try #require(RuleCompiler.compile(directory: directory.path).plan)
        let warnings = plan.warnings.map(\.rendered)
        let folder = lists.path
        #expect(warnings.contains(folder + "/bins.csv: warning: ignored: named lists are .txt files"), "\(warnings)")
        #expect(warnings.contains(folder + "/Bad-Name.txt: warning: ignored: 'Bad-Name' cannot be named in a rule; a list's name is letters, digits and _"))
        #expect(warnings.contains(
            folder + "/high_risk_countries.txt:2:3: warning: the quotes are part of the entry, so it matches only text with quotes; write it without them\n    \"GB\"\n    ^~~~"))
        #expect(warnings.contains { $0.hasPrefix(folder + "/raw.txt:2:1: warning: the entry is not valid UTF-8 text") })
        #expect(evaluate(plan, country: "FR") == true, "the list still loads")
    }

    /// Spreadsheet exports: a byte order mark before the first entry, a no-break space after one,
    /// and old Mac line ends (a lone carriage return) between them. Each made an entry that never
    /// matched, without a word.
    @Test func listsExportedBySpreadsheetsMatchTheirEntries() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let list = directory.appendingPathComponent("lists/high_risk_countries.txt")
        for (bytes, country) in [
            ([0xEF, 0xBB, 0xBF] + Array("KP\nIR\n".utf8), "KP"),
            (Array("IR\nKP\u{00A0}\n".utf8), "KP"),
            (Array("KP\rIR\rSY\r".utf8), "IR"),
        ] {
            try Data(bytes).write(to: list)
            let plan = try #require(RuleCompiler.compile(directory: directory.path).plan)
            #expect(evaluate(plan, country: country) == true, "\(bytes)")
            #expect(evaluate(plan, country: "FR") == false)
        }
    }

    /// A directory whose files define no rule (emptied by accident, a ConfigMap cut short) would
    /// raise no alert: it is refused, so a reload to it keeps the running set.
    @Test func aRuleSetWithoutRulesIsRefused() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "rules: []\n".write(to: directory.appendingPathComponent("velocity.yaml"), atomically: true, encoding: .utf8)
        let diagnostics = try #require(RuleCompiler.compile(directory: directory.path).diagnostics)
        #expect(diagnostics.items.map(\.message) == ["no file defines a rule; a rule set without rules would raise no alert"])
    }

    @Test func aRulesPathThatIsAFileSaysSo() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("velocity.yaml").path
        let diagnostics = try #require(RuleCompiler.compile(directory: file).diagnostics)
        #expect(diagnostics.rendered == file + ": error: cannot read the rules directory: Not a directory (pass the directory that holds the rule files)")
    }

    @Test func versionChangesOnlyWhenAFileChanges() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try #require(RuleCompiler.compile(directory: directory.path).plan).version
        let again = try #require(RuleCompiler.compile(directory: directory.path).plan).version
        try "KP\nIR\n".write(to: directory.appendingPathComponent("lists/high_risk_countries.txt"), atomically: true, encoding: .utf8)
        let listChanged = try #require(RuleCompiler.compile(directory: directory.path).plan).version
        try (rule + "\n").write(to: directory.appendingPathComponent("velocity.yaml"), atomically: true, encoding: .utf8)
        let ruleChanged = try #require(RuleCompiler.compile(directory: directory.path).plan).version
        #expect(first == again)
        #expect(Set([first, listChanged, ruleChanged]).count == 3)
        #expect(first.hasPrefix("rs-") && first.count == 19)
    }

    /// A table is read from tables/, counts in the version, and its rows' errors fail the set
    /// located in its own file, with every other error of the set.
    @Test func tablesLoadFromTablesAndChangeTheVersion() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tables = directory.appendingPathComponent("tables")
        try FileManager.default.createDirectory(at: tables, withIntermediateDirectories: true)
        let limits = tables.appendingPathComponent("large_payment_limit.txt")
        try "JPY 1500000\n* 10000\n".write(to: limits, atomically: true, encoding: .utf8)
        try "rules:\n  - {id: large, description: d, severity: high, expression: \"amount > large_payment_limit[currency]\"}\n"
            .write(to: directory.appendingPathComponent("amounts.yaml"), atomically: true, encoding: .utf8)
        let first = try #require(RuleCompiler.compile(directory: directory.path).plan)
        #expect(first.tables["large_payment_limit"]?.rows.count == 1)
        #expect(first.tables["large_payment_limit"]?.defaultValue == ExactDecimal(10_000))
        let polled = RuleCompiler.version(ofDirectory: directory.path)
        #expect(polled == first.version, "the reloader polls the version the compiler gives")

        try "JPY 2000000\n* 10000\n".write(to: limits, atomically: true, encoding: .utf8)
        let edited = try #require(RuleCompiler.compile(directory: directory.path).plan)
        #expect(edited.version != first.version)
        #expect(RuleCompiler.version(ofDirectory: directory.path) == edited.version)
        #expect(edited.tables["large_payment_limit"]?.rows["JPY"] == ExactDecimal(2_000_000))

        try "JPY 2,000,000\n".write(to: limits, atomically: true, encoding: .utf8)
        try "KP\n".write(to: directory.appendingPathComponent("lists/large_payment_limit.txt"), atomically: true, encoding: .utf8)
        let diagnostics = try #require(RuleCompiler.compile(directory: directory.path).diagnostics)
        #expect(diagnostics.items.map(\.location) == [
            SourceLocation(file: limits.path, line: 1, column: 5), SourceLocation(file: limits.path, line: 0, column: 0),
        ])
        #expect(diagnostics.items.last?.message.hasPrefix("a list and a table are both named 'large_payment_limit'") == true)
    }

    @Test func tableFilesThatCannotBeNamedInARuleAreWarnedAbout() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tables = directory.appendingPathComponent("tables")
        try FileManager.default.createDirectory(at: tables, withIntermediateDirectories: true)
        try "JPY 1\n".write(to: tables.appendingPathComponent("limits.csv"), atomically: true, encoding: .utf8)
        try "JPY 1\n".write(to: tables.appendingPathComponent("per-currency.txt"), atomically: true, encoding: .utf8)
        let plan = try #require(RuleCompiler.compile(directory: directory.path).plan)
        #expect(plan.tables.isEmpty)
        #expect(plan.warnings.map(\.rendered) == [
            tables.path + "/limits.csv: warning: ignored: tables are .txt files",
            tables.path + "/per-currency.txt: warning: ignored: 'per-currency' cannot be named in a rule; a table's name is letters, digits and _",
        ])
    }

    @Test func inMemoryVersionFollowsSourcesAndLists() throws {
        let source = RuleSource(path: "a.yaml", text: rule)
        let base = try #require(RuleCompiler.compile(sources: [source], lists: ["high_risk_countries": ["KP"]]).plan)
        let same = try #require(RuleCompiler.compile(sources: [source], lists: ["high_risk_countries": ["KP"]]).plan)
        let other = try #require(RuleCompiler.compile(sources: [source], lists: ["high_risk_countries": ["IR"]]).plan)
        let withTable = try #require(
            RuleCompiler.compile(sources: [source], lists: ["high_risk_countries": ["KP"]], tables: ["limit": "* 1\n"]).plan)
        let otherTable = try #require(
            RuleCompiler.compile(sources: [source], lists: ["high_risk_countries": ["KP"]], tables: ["limit": "* 2\n"]).plan)
        #expect(base.version == same.version)
        #expect(Set([base.version, other.version, withTable.version, otherTable.version]).count == 4)
    }

    @Test func missingDirectoryIsAnError() throws {
        let diagnostics = try #require(RuleCompiler.compile(directory: "/nonexistent/rules").diagnostics)
        #expect(diagnostics.rendered == "/nonexistent/rules: error: cannot read the rules directory: No such file or directory")
    }

    @Test func listEntriesSkipCommentsAndBlanks() {
        #expect(ListFile.read(SourceFile(path: "l.txt", text: "# header\n\n US \nGB # Britain\r\n#\n")).entries == ["US", "GB"])
    }
}
