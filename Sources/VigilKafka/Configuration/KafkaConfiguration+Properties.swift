/// Reads librdkafka properties from the `key=value` forms operators write on a command line
/// (`-X security.protocol=SASL_SSL`) or in a Java-style properties file.
package enum KafkaProperties {
    /// Parses one `key=value` pair; the value may itself contain `=`.
    package static func parsePair(_ text: String) throws(KafkaError) -> (key: String, value: String) {
        guard let separator = text.firstIndex(of: "=") else {
            throw KafkaError(.configuration, message: "expected key=value, got '\(text)'")
        }
        let key = text[..<separator].trimmingSpaces()
        guard !key.isEmpty else {
            throw KafkaError(.configuration, message: "empty property name in '\(text)'")
        }
        return (key, text[text.index(after: separator)...].trimmingSpaces())
    }

    /// Parses a properties file's text: `key=value` lines; blank lines and `#` or `!` comments are skipped.
    package static func parseFile(_ text: String, name: String) throws(KafkaError) -> [String: String] {
        var properties: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("!") { continue }
            do {
                let (key, value) = try parsePair(trimmed)
                properties[key] = value
            } catch {
                throw KafkaError(.configuration, message: "\(name):\(number + 1): \(error.message)")
            }
        }
        return properties
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
