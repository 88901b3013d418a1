import ArgumentParser
import VigilKafka

/// Kafka connection options for a command where Kafka is one source or destination, and a file
/// the other.
struct OptionalKafkaOptions: ParsableArguments {
    @Option(help: "Bootstrap brokers, host:port[,host:port...].")
    var brokers: String?

    @Option(name: [.customShort("X"), .customLong("property")], help: "A librdkafka property, key=value (repeatable; wins over --properties).")
    var properties: [String] = []

    @Option(name: .customLong("properties"), help: "A file of librdkafka properties, one key=value per line.")
    var propertiesFile: String?

    /// The configuration `KafkaOptions` builds from the same arguments; nil without `--brokers`.
    func configuration() throws -> KafkaConfiguration? {
        guard let brokers else { return nil }
        let arguments = ["--brokers", brokers] + properties.flatMap { ["-X", $0] } + (propertiesFile.map { ["--properties", $0] } ?? [])
        return try KafkaOptions.parse(arguments).kafkaConfiguration()
    }
}
