import Foundation
import Testing

@Suite struct DemoCommandTests {
    /// The README's first command, end to end: embedded broker, traffic with planted fraud, alerts read back.
    @Test func demoFindsThePlantedFraudAndDeadLettersTheMalformedMessage() async throws {
        let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules").path
        let vigil = try VigilProcess(["demo", "--rules", rules, "--events", "3000", "--rate", "20000", "--log-level", "warning"])
        let status = try await vigil.waitForExit(timeout: .seconds(90))
        let output = vigil.printed
        #expect(status == 0, "output:\n\(output)")
        // 3000 events: one card-testing burst (8 payments), one oversized amount, one malformed message.
        #expect(output.contains("events consumed   3000"))
        #expect(output.contains("card_testing 8, large_amount 1, malformed 1, normal 2990"))
        #expect(output.range(of: #"card-testing-burst\s+1\b"#, options: .regularExpression) != nil)
        #expect(output.range(of: #"large-amount\s+1\b"#, options: .regularExpression) != nil)
        #expect(output.contains("dead letters      1"))
        #expect(output.contains(", 0 duplicates"))
        #expect(output.components(separatedBy: "\n").filter { $0.contains("c-test-1") }.count == 1, "the burst's alert is shown as it arrives")
    }
}
