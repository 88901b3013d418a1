/// JSON string literals: the one escaper that alerts, logs and rule-test events share.
package enum JSONString {
    /// `text` in double quotes, with quotes, backslashes and control characters escaped; runs of
    /// plain text are copied whole.
    package static func quoted(_ text: String) -> String {
        var output = "\""
        let bytes = text.utf8
        var runStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if let escape = escape(bytes[index]) {
                output += Substring(bytes[runStart..<index])
                output += escape
                runStart = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        output += Substring(bytes[runStart..<bytes.endIndex])
        output.append("\"")
        return output
    }

    private static func escape(_ byte: UInt8) -> String? {
        switch byte {
        case UInt8(ascii: "\""): "\\\""
        case UInt8(ascii: "\\"): "\\\\"
        case UInt8(ascii: "\n"): "\\n"
        case UInt8(ascii: "\r"): "\\r"
        case UInt8(ascii: "\t"): "\\t"
        case ..<0x20:
            "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
        default: nil
        }
    }
}
