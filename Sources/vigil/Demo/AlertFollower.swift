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
        let reader = try AlertTopicReader(configuration: consumerConfiguration, commitsProgress: false, logger: logger)
        try reader.start(topics: topics, from: .beginning)
        print(Style.bold(AlertLine.header))
        fflush(nil)
        try reader.read(until: signal) { message in
            guard let line = AlertLine(json: Array(message.value)) else { return true }
            let isNew = seen.withLock { state in
                let (inserted, _) = state.ids.insert(line.alertID)
                if !inserted { state.duplicates += 1 }
                return inserted
            }
            print(line.rendered + (isNew ? "" : Style.dim(" (duplicate id)")))
            fflush(nil)
            return true
        }
    }
}
