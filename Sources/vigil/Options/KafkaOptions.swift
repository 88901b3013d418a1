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

/// Files named by options, read with errors that name the option, the path and the reason.
enum OptionFile {
    static func text(_ path: String, option: String) throws(CommandFailure) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CommandFailure(description: "cannot read the \(option) file \(path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        let isRegular = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        close(descriptor)
        guard isRegular else { throw CommandFailure(description: "cannot read the \(option) file \(path): it is not a regular file") }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure(description: "cannot read the \(option) file \(path): it is not UTF-8 text")
        }
    }
}
