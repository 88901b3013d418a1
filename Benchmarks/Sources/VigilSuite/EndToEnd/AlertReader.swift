import Logging
import VigilKafka
import VigilPipeline

/// Reads the alert topic the way a downstream consumer would, stamping each alert's arrival (or,
/// for the Kafka-only comparison, the input topic: events carry the same `event_id` member).
///
/// Black-box: it knows only the wire format, and takes the event id from the `event_id` member. It reads every partition by assignment from the beginning; a run starts
/// feeding only once it is fetching, so its start-up (metadata, offset lookup) is not counted.
final class AlertReader: Sendable {
    /// One alert: the workload's event number it names, its rule (nil for an input event), and
    /// when it was read (monotonic ns).
    struct Arrival: Sendable {
        let eventNumber: UInt64
        let ruleID: String?
        let nanoseconds: UInt64
    }

    private let count: SharedCounter
    /// 1 once every partition has answered a fetch.
    private let fetching: SharedCounter
    private let stop: StopSignal
    private let task: Task<[Arrival], any Error>

    init(topic: String, cluster: LoopbackCluster, settings: KafkaSettings, logger: Logger) {
        let count = SharedCounter()
        let fetching = SharedCounter()
        let stop = StopSignal()
        self.count = count
        self.fetching = fetching
        self.stop = stop
        task = Task {
            try await DedicatedThread.run(label: "vigil.bench.alerts", signal: stop) { signal in
                let consumer = try KafkaConsumer(configuration: settings.consumer(cluster, group: "reader-\(topic)"), logger: logger)
                defer { consumer.close(timeout: .seconds(5)) }
                let partitions = (0..<cluster.partitions).map { TopicPartition(topic: topic, partition: Int32($0)) }
                try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
                var arrivals: [Arrival] = []
                while !signal.isRequested {
                    let batch = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(50))
                    let now = Monotonic.nanoseconds()
                    for index in 0..<batch.count {
                        let value = batch[index].value
                        guard let number = AlertReader.eventNumber(in: value) else { continue }
                        arrivals.append(Arrival(eventNumber: number, ruleID: AlertReader.ruleID(in: value), nanoseconds: now))
                    }
                    count.add(batch.count)
                    if fetching.count == 0, partitions.allSatisfy({ consumer.cachedEndOffset(of: $0) != nil }) {
                        fetching.add(1)
                    }
                }
                return arrivals
            }
        }
    }

    /// Waits until every partition has answered a fetch.
    func waitUntilFetching(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while fetching.count == 0 {
            guard ContinuousClock.now < deadline else { throw AlertReaderFailure.notFetching }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Alerts read so far.
    var alertsRead: Int { count.count }

    func finish() async throws -> [Arrival] {
        stop.request()
        return try await task.value
    }

    private static let eventMarker = Array(#""event_id":"evt-"#.utf8)
    private static let ruleMarker = Array(#""rule_id":""#.utf8)

    /// The number after `"event_id":"evt-` (the workload's event ids), or nil when there is none.
    static func eventNumber(in json: UnsafeRawBufferPointer) -> UInt64? {
        guard var index = end(of: eventMarker, in: json) else { return nil }
        let first = index
        var number: UInt64 = 0
        while index < json.count, json[index] >= UInt8(ascii: "0"), json[index] <= UInt8(ascii: "9") {
            number = number &* 10 &+ UInt64(json[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > first ? number : nil
    }

    /// The text after `"rule_id":"` up to the next quote (rule ids need no escapes), or nil.
    static func ruleID(in json: UnsafeRawBufferPointer) -> String? {
        guard let first = end(of: ruleMarker, in: json), let quote = json[first...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: json[first..<quote], as: UTF8.self)
    }

    /// The index just past the first occurrence of `marker` in `json`.
    private static func end(of marker: [UInt8], in json: UnsafeRawBufferPointer) -> Int? {
        guard json.count > marker.count else { return nil }
        for start in 0...(json.count - marker.count) where json[start] == marker[0] {
            if marker.indices.allSatisfy({ json[start + $0] == marker[$0] }) { return start + marker.count }
        }
        return nil
    }
}

enum AlertReaderFailure: Error, CustomStringConvertible {
    case notFetching

    var description: String { "the reader was not fetching every partition within 10 s" }
}
