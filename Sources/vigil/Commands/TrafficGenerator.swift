import Glibc
import ServiceLifecycle
import Synchronization
import VigilPipeline
import VigilTraffic

/// Sends `vigil gen`'s traffic at a steady rate on a thread of its own, until the count, the
/// duration or a signal ends it, then completes the sink so nothing sent is lost.
final class TrafficGenerator: Service {
    private let traffic: PaymentTraffic.Configuration
    private let eventsPerSecond: Int
    private let duration: Duration?
    private let destination: String
    private let makeSink: @Sendable () throws -> any TrafficSink
    /// The closing line, once the sink is complete.
    let report = Mutex<String?>(nil)

    init(
        traffic: PaymentTraffic.Configuration, eventsPerSecond: Int, duration: Duration?, destination: String,
        makeSink: @escaping @Sendable () throws -> any TrafficSink
    ) {
        self.traffic = traffic
        self.eventsPerSecond = eventsPerSecond
        self.duration = duration
        self.destination = destination
        self.makeSink = makeSink
    }

    func run() async throws {
        let text = try await DedicatedThread.run(label: "vigil.gen") { signal in try self.generate(until: signal) }
        report.withLock { $0 = text }
    }

    private func generate(until signal: StopSignal) throws -> String {
        let sink = try makeSink()
        var progress = ProgressLine()
        var sent: [TrafficMessage.Kind: Int] = [:]
        var total = 0
        var pacer = Pacer(eventsPerSecond: eventsPerSecond)
        for message in PaymentTraffic(traffic) {
            if signal.isRequested || duration.map({ progress.elapsed >= $0 }) == true { break }
            try sink.send(message)
            sent[message.kind, default: 0] += 1
            total += 1
            pacer.wait(afterSending: total)
            progress.update { self.progressText(total, $0) }
        }
        try sink.finish()
        progress.finish(progressText(total, progress.elapsed))
        let kinds = sent.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
        return "generated \(total) events to \(destination) (" + kinds.joined(separator: ", ") + ")"
    }

    private func progressText(_ total: Int, _ elapsed: Duration) -> String {
        let seconds = ProgressLine.seconds(elapsed)
        return "\(total) events to \(destination)  \(ProgressLine.count(Double(total) / max(seconds, 0.001)))/s  elapsed \(String(format1: seconds)) s"
    }
}

/// Holds a sender to a rate in slices of at least 10 ms: bursts within a slice, never ahead of the schedule.
struct Pacer {
    private let perSlice: Int
    private let sliceLength: Duration
    private var sliceStart = ContinuousClock.now

    /// - Parameter eventsPerSecond: 0 for no pacing.
    init(eventsPerSecond: Int) {
        perSlice = eventsPerSecond > 0 ? max(1, eventsPerSecond / 100) : 0
        sliceLength = .seconds(1) * Double(perSlice) / Double(max(1, eventsPerSecond))
    }

    mutating func wait(afterSending total: Int) {
        guard perSlice > 0, total % perSlice == 0 else { return }
        sliceStart = sliceStart.advanced(by: sliceLength)
        let ahead = sliceStart - ContinuousClock.now
        if ahead > .zero { usleep(UInt32(ahead.components.attoseconds / 1_000_000_000_000)) }
    }
}
