import ArgumentParser
import Foundation
import VigilKafka

/// How to reach a Kafka cluster, with any librdkafka property passed through for TLS and SASL.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Bootstrap brokers, host:port[,host:port...].")
    var brokers: String

    @Option(name: [.customShort("X"), .customLong("property")], help: "A librdkafka property, key=value (repeatable; wins over --properties).")
    var properties: [String] = []

    @Option(name: .customLong("properties"), help: "A file of librdkafka properties, one key=value per line.")
    var propertiesFile: String?

    func kafkaConfiguration() throws -> KafkaConfiguration {
        var configuration = KafkaConfiguration(bootstrapServers: brokers)
        if let propertiesFile {
            let text = try OptionFile.text(propertiesFile, option: "--properties")
            configuration.properties = try KafkaProperties.parseFile(text, name: propertiesFile)
        }
        for pair in properties {
            let (key, value) = try KafkaProperties.parsePair(pair)
            configuration.properties[key] = value
        }
        return configuration
    }
}
