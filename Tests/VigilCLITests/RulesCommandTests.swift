import Foundation
import Testing

@Suite struct RulesCommandTests {
    static let shippedRules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules").path

    @Test func shippedPolicyPassesItsOwnRuleTests() async throws {
        let vigil = try VigilProcess(["rules", "test", Self.shippedRules, "--require-every-rule"])
        let status = try await vigil.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "every test passes and every rule is fired by one; output:\n\(vigil.printed)")
        #expect(vigil.printed.range(of: #"\b\d+ passed, 0 failed .*; (\d+) of \1 rules fired\)"#, options: .regularExpression) != nil)
    }

    @Test func aRuleNoTestFiresIsNamedAndFailsWhenEveryRuleIsRequired() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - {id: big, description: d, severity: high, expression: amount > 100}
              - {id: huge, description: d, severity: high, expression: amount > 10000}
              - {id: tiny, description: d, severity: low, expression: amount < 1}
            """)
        try FileManager.default.createDirectory(atPath: directory + "/tests", withIntermediateDirectories: true)
        try """
            tests:
              - name: a large payment
                events:
                  - {at: 0s, amount: 150, expect: [big]}
                  - {at: 1s, amount: 50}
            """.write(toFile: directory + "/tests/big.yaml", atomically: true, encoding: .utf8)
        let lenient = try VigilProcess(["rules", "test", directory])
        #expect(try await lenient.waitForExit(timeout: .seconds(30)) == 0, "a warning only; output:\n\(lenient.printed)")
        #expect(lenient.printed.contains("1 passed, 0 failed (1 rule tests, 2 events, 1 files; 1 of 3 rules fired)"), "\(lenient.printed)")
        #expect(lenient.printed.contains("warning: no test expects huge, tiny to fire"), "\(lenient.printed)")
        let strict = try VigilProcess(["rules", "test", directory, "--require-every-rule"])
        #expect(try await strict.waitForExit(timeout: .seconds(30)) == 1)
        #expect(strict.printed.contains("error: no test expects huge, tiny to fire"), "\(strict.printed)")
    }

    @Test func shippedPolicyChecksWithinBudget() async throws {
        let vigil = try VigilProcess(["rules", "check", Self.shippedRules])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
        #expect(vigil.printed.hasPrefix("OK "))
        // The account rules share one repartition topic, said in the singular.
        #expect(vigil.printed.contains(", 1 repartition topic, version "), "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains(" fields, 1 list, 2 tables, "), "output:\n\(vigil.printed)")
    }

    @Test func explainShowsWhereEachRuleRuns() async throws {
        let vigil = try VigilProcess(["rules", "explain", Self.shippedRules, "--group", "risk"])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(vigil.printed)")
        let accountTopic = vigil.printed.split(separator: "\n").first { $0.hasPrefix("risk-payments-by-account_id") }
        #expect(accountTopic?.contains("account-daily-spend") == true, "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("payments (input)"))
        let table = vigil.printed.split(separator: "\n").first { $0.hasPrefix("large_payment_limit ") }
        #expect(table?.contains("10000") == true, "the default row; output:\n\(vigil.printed)")
        #expect(table?.hasSuffix("large-amount") == true, "the rule that reads it; output:\n\(vigil.printed)")
    }

    @Test func aRuleNoPartitioningServesFailsTheCheckWithItsLocation() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - id: mixed
                description: Account spend against the device's average
                severity: high
                expression: sum(amount, by: account_id, over: 1h) > 3 * avg(amount, by: device_id, over: 7d)
              - id: typo
                description: A misspelt field
                severity: low
                expression: amout > 1
            """)
        let vigil = try VigilProcess(["rules", "check", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 2)
        #expect(vigil.printed.contains("rules.yaml:5:"), "output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("share no field"))
        #expect(vigil.printed.contains("^"))
        #expect(vigil.printed.contains("rules.yaml:9:"), "reported with the other errors; output:\n\(vigil.printed)")
        #expect(vigil.printed.contains("2 errors"), "output:\n\(vigil.printed)")
    }

    @Test func stateBeyondTheBudgetFailsTheCheck() async throws {
        let vigil = try VigilProcess(["rules", "check", Self.shippedRules, "--events-per-second", "50000", "--state-budget", "1GiB"])
        #expect(try await vigil.waitForExit(timeout: .seconds(60)) == 3)
        #expect(vigil.printed.contains("exceeds the budget of 1.0 GiB"))
    }

    /// `--deduplicate-within` counts the event ids kept in the estimate, as `vigil run
    /// --state-budget` does: a day of ids at 1,000 events/s takes the shipped policy over 4 GiB.
    @Test func eventIDsKeptForDeduplicationCountInTheCheckAndTheExplanation() async throws {
        let check = try VigilProcess(["rules", "check", Self.shippedRules, "--deduplicate-within", "24h"])
        #expect(try await check.waitForExit(timeout: .seconds(60)) == 3, "output:\n\(check.printed)")
        #expect(check.printed.contains("OVER BUDGET "), "output:\n\(check.printed)")
        #expect(check.printed.contains("event ids kept by --deduplicate-within included)"), "output:\n\(check.printed)")
        #expect(check.printed.contains(/of which 3\.\d GiB are event ids kept by --deduplicate-within/), "output:\n\(check.printed)")
        let explain = try VigilProcess(["rules", "explain", Self.shippedRules, "--deduplicate-within", "24h"])
        #expect(try await explain.waitForExit(timeout: .seconds(60)) == 0, "output:\n\(explain.printed)")
        #expect(explain.printed.contains(/events\/s, event ids kept by --deduplicate-within included \(9\.\d GiB\)/), "output:\n\(explain.printed)")
    }

    @Test func everyErrorIsReportedWithFileLineColumnAndCaret() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - id: first
                description: Misspelt field
                severity: high
                expression: amout > 1000
              - id: second
                description: Wrong type
                severity: urgent
                expression: count(by: card_id, over: 5m) > "five"
            """)
        let vigil = try VigilProcess(["rules", "check", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 2)
        let output = vigil.printed
        #expect(output.contains("rules.yaml:5:17: error:"), "output:\n\(output)")
        #expect(output.contains("did you mean 'amount'"))
        #expect(output.contains("rules.yaml:8:"))
        #expect(output.contains("rules.yaml:9:"))
        #expect(output.contains("                ^~~~~"))
    }

    @Test func failingRuleTestShowsExpectedAgainstGot() async throws {
        let directory = try makeRulesDirectory("rules:\n  - {id: big, description: d, severity: high, expression: amount > 100}\n")
        try FileManager.default.createDirectory(atPath: directory + "/tests", withIntermediateDirectories: true)
        try """
            tests:
              - name: wrong expectation
                events:
                  - {at: 0s, amount: 150}
                  - {at: 1s, amount: 50, expect: [big]}
            """.write(toFile: directory + "/tests/big.yaml", atomically: true, encoding: .utf8)
        let vigil = try VigilProcess(["rules", "test", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 1)
        let output = vigil.printed
        #expect(output.contains("big.yaml:4:9: FAIL wrong expectation: event 1"), "output:\n\(output)")
        #expect(output.contains("expected: []\n    got:      [\"big\"]"))
        #expect(output.contains("big.yaml:5:9: FAIL wrong expectation: event 2"))
        #expect(output.contains("0 passed, 1 failed"))
    }

    @Test func failingRuleTestShowsTheValuesThatDecidedEachRule() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - {id: burst, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 3"}
              - {id: big, description: d, severity: high, expression: amount > 100}
              - {id: huge, description: d, severity: high, expression: amount > 1000, cooldown: 1h}
            """)
        try FileManager.default.createDirectory(atPath: directory + "/tests", withIntermediateDirectories: true)
        try """
            tests:
              - name: out of order
                events:
                  - {at: 60s, card_id: c-1, amount: 1}
                  - {at: 0s, card_id: c-1, amount: 1}
                  - {at: 200s, card_id: c-1, amount: 150, expect: [burst]}
              - name: cooldown
                rules: [huge]
                events:
                  - {at: 0s, card_id: c-2, amount: 2000, expect: [huge]}
                  - {at: 1s, card_id: c-2, amount: 3000, expect: [huge]}
            """.write(toFile: directory + "/tests/burst.yaml", atomically: true, encoding: .utf8)
        let vigil = try VigilProcess(["rules", "test", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 1)
        let output = vigil.printed
        #expect(output.contains("""
                expected: ["burst"]
                got:      ["big"]
                big fired:
                  condition   amount > 100: 150 > 100 is true
                burst did not fire, its expression is false:
                  condition   count(by: card_id, over: 5m) > 3: 3 > 3 is false
                  window      count(by: card_id, over: 5m) = 3 over (2026-12-31T23:58:20.000Z, 2027-01-01T00:03:20.000Z]
            """), "output:\n\(output)")
        #expect(output.contains("""
                huge matched, but its cooldown held the alert back:
                  condition   amount > 1000: 3000 > 1000 is true
            """))
    }

    @Test func unknownRuleIDInATestIsALoadErrorAtTheID() async throws {
        let directory = try makeRulesDirectory("rules:\n  - {id: big, description: d, severity: high, expression: amount > 100}\n")
        try FileManager.default.createDirectory(atPath: directory + "/tests", withIntermediateDirectories: true)
        try """
            tests:
              - name: misspelt expectation
                events:
                  - {at: 0s, amount: 150, expect: [bgi]}
            """.write(toFile: directory + "/tests/big.yaml", atomically: true, encoding: .utf8)
        let vigil = try VigilProcess(["rules", "test", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 2)
        let output = vigil.printed
        #expect(output.contains("big.yaml:4:40: error: no rule has the id 'bgi'; did you mean 'big'?"), "output:\n\(output)")
        #expect(output.contains("\n" + String(repeating: " ", count: 41) + "^~~\n"))
        #expect(output.contains("1 error in \(directory)/tests; nothing was loaded"))
        #expect(!output.contains("FAIL"))
    }

    @Test func eventFarBehindTheNewestSaysItIsOlderThanTheLateness() async throws {
        let directory = try makeRulesDirectory("rules:\n  - {id: big, description: d, severity: high, expression: amount > 100}\n")
        try FileManager.default.createDirectory(atPath: directory + "/tests", withIntermediateDirectories: true)
        try """
            tests:
              - name: out of order by a year
                events:
                  - {at: 400d, amount: 1}
                  - {at: 0s, amount: 1}
            """.write(toFile: directory + "/tests/late.yaml", atomically: true, encoding: .utf8)
        let vigil = try VigilProcess(["rules", "test", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 1)
        #expect(vigil.printed.contains("""
            late.yaml:5:9: FAIL out of order by a year: event 2 (1-2 at 2027-01-01T00:00:00.000Z)
                expected: on time
                got:      late: 400d behind the newest event time (2028-02-05T00:00:00.000Z), more than the allowed 366d
            """), "output:\n\(vigil.printed)")
    }

    @Test func directoryWithoutRuleTestsSaysWhereTheyAreLookedFor() async throws {
        let directory = try makeRulesDirectory("rules:\n  - {id: big, description: d, severity: high, expression: amount > 100}\n")
        let vigil = try VigilProcess(["rules", "test", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 1)
        #expect(vigil.printed.contains("no rule tests found in \(directory)/tests/*.yaml"), "output:\n\(vigil.printed)")
        #expect(!vigil.printed.contains("0 passed"))
    }

    @Test func explainShowsSharedAggregatorsAndTheRulesReadingThem() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - {id: fast, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 5"}
              - {id: faster, description: d, severity: high, expression: "count(by: card_id, over: 300s) > 10"}
            """)
        let vigil = try VigilProcess(["rules", "explain", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 0)
        let aggregatorLines = vigil.printed.components(separatedBy: "\n").filter { $0.hasPrefix("count(by: card_id, over: 5m)") }
        #expect(aggregatorLines.count == 1, "output:\n\(vigil.printed)")
        #expect(aggregatorLines.first?.hasSuffix("fast, faster") == true)
    }

    @Test func explainShowsWindowsAndCooldownsAsTheRuleWroteThem() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - {id: daily, description: d, severity: high, expression: "count(by: card_id, over: 24h) > 5", cooldown: 24h}
              - {id: also-daily, description: d, severity: high, expression: "count(by: card_id, over: 1d) > 9"}
            """)
        let vigil = try VigilProcess(["rules", "explain", directory])
        #expect(try await vigil.waitForExit(timeout: .seconds(30)) == 0)
        let lines = vigil.printed.components(separatedBy: "\n")
        let rule = lines.first { $0.hasPrefix("daily ") }?.split(separator: " ", omittingEmptySubsequences: true)
        #expect(rule?[3] == "24h", "output:\n\(vigil.printed)")
        let aggregator = lines.first { $0.hasPrefix("count(by: card_id, over: 24h) ") }
        #expect(aggregator?.split(separator: " ", omittingEmptySubsequences: true)[4] == "24h", "output:\n\(vigil.printed)")
        #expect(aggregator?.hasSuffix("daily, also-daily") == true)
        #expect(!lines.contains { $0.hasPrefix("count(by: card_id, over: 1d)") })
    }

    @Test func aCountAndAnAverageOverOneWindowShowAsOneState() async throws {
        let directory = try makeRulesDirectory("""
            rules:
              - {id: spike, description: d, severity: high, expression: "count(by: card_id, over: 1d) > 5 and avg(amount, by: card_id, over: 1d) > 10"}
            """)
        let explain = try VigilProcess(["rules", "explain", directory])
        #expect(try await explain.waitForExit(timeout: .seconds(30)) == 0)
        #expect(explain.printed.contains("avg(amount, by: card_id, over: 1d) shares one window state with count(by: card_id, over: 1d)."),
                "output:\n\(explain.printed)")
        let rows = explain.printed.components(separatedBy: "\n").filter { $0.hasPrefix("avg(amount, by: card_id, over: 1d) ") }
        #expect(rows.first?.contains("(shared state, see below)") == true)
        let check = try VigilProcess(["rules", "check", directory])
        #expect(try await check.waitForExit(timeout: .seconds(30)) == 0)
        #expect(check.printed.contains("2 shared aggregators over 1 window state,"), "output:\n\(check.printed)")
    }

    @Test func capacityFlagsAreCheckedAndAMisspeltCardinalityIsWarnedAbout() async throws {
        let refused = try VigilProcess(["rules", "check", Self.shippedRules, "--replicas", "0"])
        #expect(try await refused.waitForExit(timeout: .seconds(30)) == 64)
        #expect(refused.printed.contains("Error: --replicas must be at least 1"), "output:\n\(refused.printed)")
        #expect(refused.printed.contains("Usage: vigil rules check"))
        let warned = try VigilProcess(["rules", "check", Self.shippedRules, "--cardinality", "card_idd=200000"])
        #expect(try await warned.waitForExit(timeout: .seconds(30)) == 0)
        #expect(warned.printed.contains("warning: --cardinality card_idd=…: no aggregate of these rules is keyed by 'card_idd'"),
                "output:\n\(warned.printed)")
        // A combination is named in any order; one no aggregate is keyed by is warned about too.
        let combined = try VigilProcess(["rules", "check", Self.shippedRules, "--cardinality", "currency+account_id=120000", "--cardinality", "card_id+currency=9"])
        #expect(try await combined.waitForExit(timeout: .seconds(30)) == 0)
        #expect(combined.printed.contains("no aggregate of these rules is keyed by 'card_id+currency'"), "output:\n\(combined.printed)")
        #expect(!combined.printed.contains("'account_id+currency'"), "output:\n\(combined.printed)")
    }
}
