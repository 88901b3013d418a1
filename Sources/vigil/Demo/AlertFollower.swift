import Glibc
import Logging
import ServiceLifecycle
import Synchronization
import VigilKafka
import VigilPipeline

/// Reads the alert topics from the beginning and prints each alert as a table row.
final class AlertFollower: Service {
    private let consumerConfiguration: ConsumerConfiguration
    private let topics: [String]
    private let logger: Logger
    /// Distinct alert ids seen, and how many arrived more than once.
    let seen = Mutex<(ids: Set<String>, duplicates: Int)>(([], 0))

    init(consumer: ConsumerConfiguration, topics: [String], logger: Logger) {
        self.consumerConfiguration = consumer
        self.topics = topics
        self.logger = logger
    }

    var distinctAlerts: Int { seen.withLock { $0.ids.count } }

    func run() async throws {
        try await DedicatedThread.run(label: "vigil.demo.alerts") { signal in
            try self.follow(until: signal)
        }
    }

    private func follow(until signal: StopSignal) throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        try consumer.subscribe(topics: topics)
        defer { consumer.close(timeout: .seconds(3)) }
        print(Style.bold(AlertLine.header))
        while !signal.isRequested {
            let batch = try consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
            for index in 0..<batch.count {
                guard let line = AlertLine(json: Array(batch[index].value)) else { continue }
                let isNew = seen.withLock { state in
                    let (inserted, _) = state.ids.insert(line.alertID)
                    if !inserted { state.duplicates += 1 }
                    return inserted
                }
                print(line.rendered + (isNew ? "" : Style.dim(" (duplicate id)")))
            }
            if !batch.isEmpty { fflush(nil) }
        }
    }
}
