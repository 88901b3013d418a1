import Logging
import VigilValues

/// One log event, ready to render; every piece of text is masked for card numbers as it is written.
struct LogLine {
    let timestamp: LogTimestamp
    let level: Logger.Level
    let label: String
    let message: String
    let metadata: Logger.Metadata

    var text: String {
        var line = "\(timestamp.rendered) \(level) \(CardNumberMask.masked(label)): \(CardNumberMask.masked(message))"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(CardNumberMask.masked(key))=\(Self.textValue(CardNumberMask.masked(Self.flat(value))))"
        }
        return line
    }

    var json: String {
        var line = "{\"ts\":\"\(timestamp.rendered)\",\"level\":\"\(level)\",\"label\":"
        JSONText.appendString(label, to: &line)
        line += ",\"message\":"
        JSONText.appendString(message, to: &line)
        line += ",\"metadata\":"
        JSONText.appendObject(metadata, to: &line)
        line += "}"
        return line
    }

    /// A metadata value on one line: nested arrays and dictionaries keep swift-log's own rendering.
    private static func flat(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array, .dictionary: value.description
        }
    }

    /// Quotes a value only when it would otherwise be ambiguous to read back (spaces, `=`, quotes, empty).
    private static func textValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x20 }
        guard needsQuotes else { return value }
        var quoted = ""
        JSONText.appendEscaped(value, to: &quoted)
        return quoted
    }
}

/// JSON rendering of log text; every string is masked before it is escaped.
enum JSONText {
    static func appendString(_ text: String, to output: inout String) {
        appendEscaped(CardNumberMask.masked(text), to: &output)
    }

    static func appendEscaped(_ text: String, to output: inout String) {
        output += JSONString.quoted(text)
    }

    static func appendObject(_ metadata: Logger.Metadata, to output: inout String) {
        output.append("{")
        for (position, (key, value)) in metadata.sorted(by: { $0.key < $1.key }).enumerated() {
            if position > 0 { output.append(",") }
            appendString(key, to: &output)
            output.append(":")
            appendValue(value, to: &output)
        }
        output.append("}")
    }

    private static func appendValue(_ value: Logger.MetadataValue, to output: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &output)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &output)
        case .dictionary(let dictionary): appendObject(dictionary, to: &output)
        case .array(let values):
            output.append("[")
            for (position, element) in values.enumerated() {
                if position > 0 { output.append(",") }
                appendValue(element, to: &output)
            }
            output.append("]")
        }
    }
}
