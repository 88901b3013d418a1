import Logging
import VigilKafka
import VigilTraffic

/// Where `vigil gen` puts its messages.
protocol TrafficSink {
    func send(_ message: TrafficMessage) throws
    /// Makes everything sent durable: the file completed, or every message acknowledged by the brokers.
    func finish() throws
}

/// One message per line; every planted message is a single line, malformed ones included.
struct FileSink: TrafficSink {
    let file: EventFile

    func send(_ message: TrafficMessage) throws {
        try file.write(message.value + [UInt8(ascii: "\n")])
    }

    func finish() throws {
        try file.finish()
    }
}

/// Messages keyed by card id, like a payment gateway keys its topic.
struct KafkaSink: TrafficSink {
    let producer: KafkaProducer
    let topic: String

    init(configuration: ProducerConfiguration, topic: String, logger: Logger) throws {
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        try producer.prepare(topics: [topic])
        self.topic = topic
    }

    func send(_ message: TrafficMessage) throws {
        try producer.send(topic: topic, key: message.key.map { Array($0.utf8) }, value: message.value)
        producer.poll()
    }

    func finish() throws {
        if let failure = try producer.flush().first { throw failure.error }
    }
}
