import Glibc
import Logging
import ServiceLifecycle
import Synchronization
import VigilKafka
import VigilPipeline
import VigilTraffic

/// Produces synthetic payments into the input topic at a steady rate.
final class TrafficFeeder: Service {
    private let producerConfiguration: ProducerConfiguration
    private let topic: String
    private let traffic: PaymentTraffic.Configuration
    private let eventsPerSecond: Int
    private let repeatsForever: Bool
    private let logger: Logger
    /// Messages sent and acknowledged so far, by kind.
    let sent = Mutex<[TrafficMessage.Kind: Int]>([:])
    let isFinished = Atomic(false)

    init(producer: ProducerConfiguration, topic: String, traffic: PaymentTraffic.Configuration, eventsPerSecond: Int, repeatsForever: Bool, logger: Logger) {
        self.producerConfiguration = producer
        self.topic = topic
        self.traffic = traffic
        self.eventsPerSecond = eventsPerSecond
        self.repeatsForever = repeatsForever
        self.logger = logger
    }

    var totalSent: Int { sent.withLock { $0.values.reduce(0, +) } }

    func run() async throws {
        try await DedicatedThread.run(label: "vigil.demo.traffic") { signal in
            try self.feed(until: signal)
        }
        // Finishing the traffic is not a reason to stop the demo: the conductor decides that.
        try await gracefulShutdown()
    }

    private func feed(until signal: StopSignal) throws {
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        try producer.prepare(topics: [topic])
        var round: UInt64 = 0
        var configuration = traffic
        repeat {
            configuration.seed = traffic.seed &+ round
            configuration.startTime = traffic.startTime + Int64(round) * Int64(traffic.eventCount) * traffic.spacingMilliseconds * 2
            try send(PaymentTraffic(configuration), with: producer, until: signal)
            round += 1
        } while repeatsForever && !signal.isRequested
        isFinished.store(true, ordering: .sequentiallyConsistent)
    }

    private func send(_ traffic: PaymentTraffic, with producer: KafkaProducer, until signal: StopSignal) throws {
        let slice = max(1, eventsPerSecond / 100)  // paced in 10 ms slices
        var pending: [TrafficMessage.Kind: Int] = [:]
        var sliceStart = ContinuousClock.now
        for (index, message) in traffic.enumerated() {
            if signal.isRequested { break }
            try producer.send(topic: topic, key: message.key.map { Array($0.utf8) }, value: message.value)
            pending[message.kind, default: 0] += 1
            guard (index + 1) % slice == 0 else { continue }
            producer.poll()
            // Confirm deliveries about once a second; waiting every slice would throttle the feed.
            if (index + 1) % (slice * 100) == 0 { try acknowledge(&pending, producer) }
            sliceStart = sliceStart.advanced(by: .milliseconds(10))
            let ahead = sliceStart - ContinuousClock.now
            if ahead > .zero { usleep(UInt32(ahead.components.attoseconds / 1_000_000_000_000)) }
        }
        try acknowledge(&pending, producer)
    }

    private func acknowledge(_ pending: inout [TrafficMessage.Kind: Int], _ producer: KafkaProducer) throws {
        let failures = try producer.flush()
        if let failure = failures.first { throw failure.error }
        let batch = pending
        sent.withLock { $0.merge(batch, uniquingKeysWith: +) }
        pending.removeAll()
    }
}
