/// A partition of a topic.
package struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let topic: String
    package let partition: Int32

    package init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    package var description: String { "\(topic)[\(partition)]" }

    package static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A position in a partition: the offset of the next message to read, as Kafka commits it.
package struct TopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    package let topicPartition: TopicPartition
    package let offset: Int64
    /// The string Kafka stores with a committed offset (at most 4096 bytes by default), returned
    /// when the offset is read back: Vigil keeps its restore position there.
    package let metadata: String?

    package init(_ topicPartition: TopicPartition, offset: Int64, metadata: String? = nil) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.metadata = metadata
    }

    package var description: String { "\(topicPartition)@\(offset)" }
}

/// A change of the consumer's assignment, reported by `KafkaConsumer.poll` in the order it happened.
package enum RebalanceEvent: Sendable, Equatable {
    case assigned([AssignedPartition])
    /// `isLost` is true when the partitions were taken away without a clean hand-over
    /// (session timeout): their uncommitted work may already be owned by another member.
    case revoked([TopicPartition], isLost: Bool)

    package var isAssignment: Bool {
        if case .assigned = self { return true }
        return false
    }
}

/// A partition the group gave this member, and where reading it starts.
package struct AssignedPartition: Sendable, Equatable {
    package let partition: TopicPartition
    /// The group's committed position with its metadata, when the consumer has a start-position
    /// policy (`KafkaConsumer.startPositions`) and a commit exists; nil otherwise.
    package let committed: TopicPartitionOffset?
    /// Where fetching starts, as the policy chose it; nil: at the committed offset (or by
    /// `auto.offset.reset` when none is committed).
    package let start: Int64?
    /// The group's committed position could not be read: `committed` being nil says nothing, and
    /// a partition taken as new would run with empty windows.
    package let isCommittedUnknown: Bool

    package init(partition: TopicPartition, committed: TopicPartitionOffset? = nil, start: Int64? = nil, isCommittedUnknown: Bool = false) {
        self.partition = partition
        self.committed = committed
        self.start = start
        self.isCommittedUnknown = isCommittedUnknown
    }
}
