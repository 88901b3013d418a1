import Glibc
import Logging
import VigilKafka
import VigilTraffic

/// Produces the workload into a run's input topic at a planned rate, on the calling thread.
///
/// Events go round-robin over the partitions without a key: one pipeline owns every partition,
/// so keyed partitioning would only add hashing to the feeder. While it feeds it reads the
/// consumer's progress, which is how a consumer that falls behind is caught while it happens.
struct Feeder: Sendable {
    let workload: TrafficBatch
    let topic: String
    let partitions: Int
    let configuration: ProducerConfiguration
    let logger: Logger

    /// - Parameter consumed: events the consumer under test has finished so far; called from this thread.
    func run(_ plan: FeedPlan, consumed: @Sendable () -> Int) throws -> FeedResult {
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try producer.prepare(topics: [topic])
        var state = FeedState(plan: plan, capacity: plan.recordsSendTimes ? Int(plan.rate * plan.seconds) + 1024 : 0)
        try workload.bytes.withUnsafeBytes { bytes in
            while let scheduled = state.due(consumed: consumed, inFlight: producer.inFlightCount) {
                if !plan.wrapsAround, state.sent == workload.count {
                    state.ranOut = true
                    break
                }
                let due = plan.wrapsAround ? scheduled : min(scheduled, workload.count)
                guard state.sent < due else {
                    producer.poll()
                    usleep(100)
                    continue
                }
                let end = min(due, state.sent + 500)
                for index in state.sent..<end {
                    let message = UnsafeRawBufferPointer(rebasing: bytes[workload.range(of: index % workload.count)])
                    if plan.recordsSendTimes { state.sendTimes.append(Monotonic.nanoseconds()) }
                    try producer.send(topic: topic, partition: Int32(index % partitions), key: nil, value: message)
                }
                state.sent = end
                producer.poll()
            }
        }
        let failures = try producer.flush(timeout: .seconds(60))
        return state.result(deliveryFailures: failures.count)
    }
}

/// The feeder's bookkeeping: what is due by now, the backlog and the progress readings.
private struct FeedState {
    let plan: FeedPlan
    let start = Monotonic.nanoseconds()
    var sent = 0
    var ranOut = false
    var sendTimes: [UInt64] = []
    private var maxBacklog = 0
    private var samples: [ProgressSample] = []
    private var nextSample = 0.0
    private var done = 0
    private var lastRead = -1.0

    init(plan: FeedPlan, capacity: Int) {
        self.plan = plan
        sendTimes.reserveCapacity(capacity)
    }

    /// The number of events that should have been sent by now, or nil when the feed is over.
    mutating func due(consumed: () -> Int, inFlight: Int) -> Int? {
        let elapsed = Monotonic.seconds(since: start)
        guard elapsed < plan.seconds else { return nil }
        // Reading the consumer's progress costs a lock (and, for Vigil, a status copy): once a millisecond is enough.
        if elapsed - lastRead >= 0.001 {
            done = consumed()
            lastRead = elapsed
        }
        let delivered = max(0, sent - inFlight)
        maxBacklog = max(maxBacklog, delivered - done)
        if elapsed >= nextSample {
            samples.append(ProgressSample(seconds: elapsed, delivered: delivered, consumed: done))
            nextSample += 0.1
        }
        let scheduled = Int(plan.rate * elapsed)
        guard let limit = plan.backlogLimit else { return scheduled }
        return min(scheduled, done + limit)
    }

    func result(deliveryFailures: Int) -> FeedResult {
        FeedResult(
            sent: sent, seconds: Monotonic.seconds(since: start), deliveryFailures: deliveryFailures,
            maxBacklog: maxBacklog, samples: samples, sendTimes: sendTimes, ranOut: ranOut
        )
    }
}
