import Logging
import VigilKafka
import VigilPipeline

/// Reads the alert topic the way a downstream consumer would, stamping each alert's arrival.
///
/// Black-box: it knows only the alert wire format, and takes the event id from the alert's
/// `event_id` member. It reads every partition by assignment from the beginning, so it is
/// ready before the first alert exists.
final class AlertReader: Sendable {
    /// One alert: the workload's event number it names, and when it was read (monotonic ns).
    struct Arrival: Sendable {
        let eventNumber: UInt64
        let nanoseconds: UInt64
    }

    private let count: SharedCounter
    private let stop: StopSignal
    private let task: Task<[Arrival], any Error>

    init(topic: String, cluster: LoopbackCluster, settings: KafkaSettings, logger: Logger) {
        let count = SharedCounter()
        let stop = StopSignal()
        self.count = count
        self.stop = stop
        task = Task {
            try await DedicatedThread.run(label: "vigil.bench.alerts", signal: stop) { signal in
                let consumer = try KafkaConsumer(configuration: settings.consumer(cluster, group: "reader-\(topic)"), logger: logger)
                defer { consumer.close(timeout: .seconds(5)) }
                try consumer.assign((0..<cluster.partitions).map {
                    TopicPartitionOffset(TopicPartition(topic: topic, partition: Int32($0)), offset: TopicPartitionOffset.beginning)
                })
                var arrivals: [Arrival] = []
                while !signal.isRequested {
                    let batch = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(50))
                    let now = Monotonic.nanoseconds()
                    for index in 0..<batch.count {
                        guard let number = AlertReader.eventNumber(in: batch[index].value) else { continue }
                        arrivals.append(Arrival(eventNumber: number, nanoseconds: now))
                    }
                    count.add(batch.count)
                }
                return arrivals
            }
        }
    }

    /// Alerts read so far.
    var alertsRead: Int { count.count }

    func finish() async throws -> [Arrival] {
        stop.request()
        return try await task.value
    }

    private static let marker = Array(#""event_id":"evt-"#.utf8)

    /// The number after `"event_id":"evt-` (the workload's event ids), or nil when there is none.
    static func eventNumber(in json: UnsafeRawBufferPointer) -> UInt64? {
        guard json.count > marker.count else { return nil }
        for start in 0...(json.count - marker.count) where json[start] == marker[0] {
            guard marker.indices.allSatisfy({ json[start + $0] == marker[$0] }) else { continue }
            var number: UInt64 = 0
            var index = start + marker.count
            while index < json.count, json[index] >= UInt8(ascii: "0"), json[index] <= UInt8(ascii: "9") {
                number = number &* 10 &+ UInt64(json[index] - UInt8(ascii: "0"))
                index += 1
            }
            return index > start + marker.count ? number : nil
        }
        return nil
    }
}
