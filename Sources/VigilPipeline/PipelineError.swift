package import VigilKafka

/// Why a pipeline stopped on its own.
package enum PipelineError: Error, CustomStringConvertible {
    /// Alerts or dead letters could not be delivered; their input offsets were not committed.
    case deliveryFailed([DeliveryFailure])
    /// The bad-input guard tripped; input past the bad stretch was not committed.
    case badInputLimit(reason: String, partition: Int32, offset: Int64)
    /// Exactly-once mode: a batch's transaction had to be aborted; a restart rebuilds state from the last commit.
    case transactionAborted(KafkaError)
    /// The broker knows no partitions of a repartition topic, so events cannot be placed there.
    case repartitionTopicUnavailable(String)
    /// The group's committed positions of newly assigned partitions could not be read, so it is
    /// unknown what history their windows need; running them as new would miss alerts unseen.
    case committedPositionsUnknown([TopicPartition])

    package var description: String {
        switch self {
        case .deliveryFailed(let failures):
            let sample = failures.prefix(3).map(\.description).joined(separator: "; ")
            return "\(failures.count) output messages were not delivered (\(sample)); their input was not committed"
        case .transactionAborted(let error):
            return "the batch's transaction was aborted (\(error)); restart to rebuild the window state from the last commit"
        case .committedPositionsUnknown(let partitions):
            let names = partitions.map(\.description).sorted().joined(separator: ", ")
            return "the group's committed positions of \(names) could not be read, so their window state cannot be rebuilt; "
                + "restart once the group coordinator answers"
        case .repartitionTopicUnavailable(let topic):
            return "the broker reports no partitions for the repartition topic \(topic); create it with as many partitions as the input"
        case .badInputLimit(let reason, let partition, let offset):
            return "stopped consuming: \(reason), at partition \(partition) offset \(offset); "
                + "nothing past the bad stretch was committed. Inspect the dead-letter topic, fix the producer, "
                + "then restart (or raise --max-bad-consecutive / --max-bad-share)"
        }
    }
}
