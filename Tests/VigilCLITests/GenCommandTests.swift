import Foundation
import Testing
import VigilKafka
import VigilTesting

@Suite struct GenCommandTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)-\(name)").path
    }

    /// Runs `vigil gen` to completion and returns its closing line.
    static func generate(_ arguments: [String]) async throws -> String {
        let vigil = try VigilProcess(["gen"] + arguments)
        let status = try await vigil.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "output:\n\(vigil.printed)")
        return vigil.printed.split(separator: "\n").first { $0.hasPrefix("generated ") }.map(String.init) ?? ""
    }

    /// `gzip -dc`: the file must be a real gzip stream that any tool reads.
    static func gunzip(_ path: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return data
    }

    /// Messages per planted kind, recognised by what each scenario looks like.
    static func kinds(of lines: [Substring]) -> [String: Int] {
        var kinds: [String: Int] = [:]
        for line in lines {
            let kind =
                if !line.hasPrefix(#"{"event_id":"evt-"#) { "malformed" }
                else if line.contains(#""card_id":"c-test-"#) { "card_testing" }
                else if line.contains(#""card_id":"c-ato-"#) { "account_takeover" }
                else if line.contains(#""card_id":"c-travel-"#) { "impossible_travel" }
                else if line.contains(#""amount":25000.00,"#) { "large_amount" }
                else { "normal" }
            kinds[kind, default: 0] += 1
        }
        return kinds
    }

    static func summary(_ kinds: [String: Int]) -> String {
        kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    @Test func theSameSeedWritesTheSameFileAndGzipHoldsTheSameLines() async throws {
        let plain = Self.temporaryPath("a.jsonl")
        let again = Self.temporaryPath("b.jsonl")
        let compressed = Self.temporaryPath("c.jsonl.gz")
        let other = Self.temporaryPath("d.jsonl")
        let report = try await Self.generate(["--output", plain, "--count", "6000", "--seed", "11"])
        _ = try await Self.generate(["--output", again, "--count", "6000", "--seed", "11"])
        _ = try await Self.generate(["--output", compressed, "--count", "6000", "--seed", "11"])
        _ = try await Self.generate(["--output", other, "--count", "6000", "--seed", "12"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == bytes)
        #expect(try Self.gunzip(compressed) == bytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: compressed)).count < bytes.count / 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) != bytes)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 6000)
        #expect(report == "generated 6000 events to \(plain) (\(Self.summary(Self.kinds(of: lines))))")
    }

    @Test(arguments: [
        ("none", ["normal"]),
        ("card-testing=100", ["card_testing", "normal"]),
        ("ato=100,travel=100", ["account_takeover", "impossible_travel", "normal"]),
        ("large-amount=50,malformed=50", ["large_amount", "malformed", "normal"]),
    ])
    func theMixPlantsOnlyTheNamedScenarios(mix: String, kinds: [String]) async throws {
        let path = Self.temporaryPath("mix.jsonl")
        _ = try await Self.generate(["--output", path, "--count", "3000", "--mix", mix])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3000)
        #expect(Self.kinds(of: lines).keys.sorted() == kinds)
    }

    @Test func plantedScenariosHaveTheirShape() async throws {
        let path = Self.temporaryPath("shape.jsonl")
        _ = try await Self.generate(["--output", path, "--count", "20000", "--mix", "ato=200,travel=200", "--seed", "5"])
        let events = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let takeovers = Dictionary(grouping: events.filter { ($0["card_id"] as? String)?.hasPrefix("c-ato-") == true }) { $0["account_id"] as? String ?? "" }
        let travels = Dictionary(grouping: events.filter { ($0["card_id"] as? String)?.hasPrefix("c-travel-") == true }) { $0["card_id"] as? String ?? "" }
        #expect(takeovers.count > 100 && travels.count > 100)
        for payments in takeovers.values.dropLast() {
            #expect(Set(payments.compactMap { $0["device_id"] as? String }).count == 4, "one account, four devices")
        }
        for payments in travels.values.dropLast() {
            let times = payments.compactMap { $0["ts"] as? Int64 }
            #expect(Set(payments.compactMap { $0["country"] as? String }).count == 3, "one card, three countries")
            #expect((times.max() ?? 0) - (times.min() ?? 0) < 3_600_000)
        }
    }

    @Test func sendsTheCountToATopicKeyedByCard() async throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 3)
        let report = try await Self.generate(["--brokers", cluster.bootstrapServers, "--topic", "payments", "--count", "2500", "--rate", "0", "--mix", "card-testing=50"])
        let records = try TopicReader.read("payments", from: cluster, atLeast: 2500, quietPeriod: .milliseconds(300))
        #expect(records.count == 2500)
        let kinds = Self.kinds(of: records.map { Substring($0.text) })
        #expect(report == "generated 2500 events to payments (\(Self.summary(kinds)))")
        #expect(kinds["card_testing", default: 0] > 0)
        #expect(records.allSatisfy { $0.key.map { $0.hasPrefix("c-") } == true })
    }
}
