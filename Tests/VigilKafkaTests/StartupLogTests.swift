import Glibc
import Logging
import Synchronization
import Testing
import VigilTesting
@testable import VigilKafka

/// librdkafka's log lines wait until a broker has answered: a command that cannot reach Kafka then
/// leads with its own explanation, which quotes librdkafka's reason; once connected, lines pass as they come.
@Suite struct StartupLogTests {
    private static let refused = StartupLog.Line(level: .error, facility: "FAIL", text: "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed")

    @Test func linesAreHeldUntilReleasedThenPassAsTheyCome() {
        var log = StartupLog()
        #expect(log.receive(Self.refused) == nil)
        let released = log.release()
        #expect(released.lines == [Self.refused] && released.dropped == 0)
        #expect(log.receive(Self.refused) == Self.refused)
        #expect(log.release().lines.isEmpty)
    }

    @Test func linesSetAsideAfterAFailedStartAreHandedOnceAndHoldingGoesOn() {
        var log = StartupLog()
        _ = log.receive(Self.refused)
        #expect(log.setAside().lines == [Self.refused])
        #expect(log.receive(Self.refused) == nil)
        #expect(log.release().lines == [Self.refused])
    }

    @Test func linesBeyondTheCapacityAreCounted() {
        var log = StartupLog()
        for _ in 0..<(StartupLog.capacity + 3) { _ = log.receive(Self.refused) }
        let released = log.release()
        #expect(released.lines.count == StartupLog.capacity && released.dropped == 3)
    }

    @Test func librdkafkasLinesAboutAnUnreachableBrokerAreLoggedAtDebugLevelOnly() throws {
        let recorder = LogRecorder()
        var configuration = ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        configuration.lingerMilliseconds = 1
        do {
            let producer = try KafkaProducer(configuration: configuration, logger: recorder.logger)
            #expect(throws: KafkaError.self) { try producer.prepare(topics: ["payments"], timeout: .seconds(2)) }
        }
        let lines = recorder.librdkafkaLines
        #expect(lines.contains { $0.message.contains("Connection refused") }, "\(lines)")
        #expect(lines.allSatisfy { $0.level == .debug }, "\(lines)")
    }

    @Test func librdkafkasLinesAfterABrokerAnsweredAreLoggedAtTheirOwnLevel() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        let recorder = LogRecorder()
        let producer = try KafkaProducer(configuration: .test(cluster), logger: recorder.logger)
        _ = try producer.prepare(topics: ["payments"])
        try cluster.setBroker(1, isUp: false)
        let deadline = ContinuousClock.now + .seconds(20)
        // Lines come from librdkafka's threads in any order: an info line may precede the warning.
        while !recorder.librdkafkaLines.contains(where: { $0.level >= .warning }), ContinuousClock.now < deadline {
            producer.poll()
            usleep(10_000)
        }
        #expect(recorder.librdkafkaLines.contains { $0.level >= .warning }, "\(recorder.librdkafkaLines)")
    }
}

/// Keeps every line logged through ``logger``.
private final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let isLibrdkafka: Bool
    }

    private let entries = Mutex<[Entry]>([])

    var logger: Logger {
        Logger(label: "vigil.test") { _ in Handler(recorder: self) }
    }

    var librdkafkaLines: [Entry] {
        entries.withLock { $0.filter(\.isLibrdkafka) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let entry = Entry(level: event.level, message: "\(event.message)", isLibrdkafka: event.metadata?["librdkafka"] != nil)
            recorder.entries.withLock { $0.append(entry) }
        }
    }
}
