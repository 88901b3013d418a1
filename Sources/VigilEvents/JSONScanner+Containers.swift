extension JSONScanner {
    /// Validates and skips an object or array starting at the current byte.
    ///
    /// It loops with a bit stack instead of recursing, so a hostile message can only make it
    /// fail at ``maximumDepth``, never overflow the thread's stack.
    mutating func skipContainer(depth outerDepth: Int) throws(DecodeFailure) {
        var objectLevels: UInt64 = 0  // bit 0 describes the innermost open container
        var level = 0
        while true {
            let opener = nextSignificant()
            if opener == UInt8(ascii: "{") || opener == UInt8(ascii: "[") {
                level += 1
                guard outerDepth + level <= Self.maximumDepth else {
                    throw malformed("nesting deeper than \(Self.maximumDepth) at offset \(offset)")
                }
                objectLevels = objectLevels << 1 | (opener == UInt8(ascii: "{") ? 1 : 0)
                offset += 1
                if closeIfEmpty(isObject: objectLevels & 1 == 1) {
                    objectLevels >>= 1
                    level -= 1
                } else {
                    if objectLevels & 1 == 1 { try scanKeyAndColon() }
                    continue
                }
            } else {
                _ = try scanScalar()
            }
            guard try closeFinishedContainers(objectLevels: &objectLevels, level: &level) else { return }
            if objectLevels & 1 == 1 { try scanKeyAndColon() }
        }
    }

    /// After a value: consumes closing brackets until a comma; returns false once nothing is open.
    private mutating func closeFinishedContainers(
        objectLevels: inout UInt64, level: inout Int
    ) throws(DecodeFailure) -> Bool {
        while level > 0 {
            let isObject = objectLevels & 1 == 1
            switch nextSignificant() {
            case UInt8(ascii: ",")?:
                offset += 1
                return true
            case isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"):
                offset += 1
                objectLevels >>= 1
                level -= 1
            default:
                throw unexpected(isObject ? "',' or '}'" : "',' or ']'")
            }
        }
        return false
    }

    /// Consumes the closing bracket of a container that was just opened, if it is empty.
    private mutating func closeIfEmpty(isObject: Bool) -> Bool {
        guard nextSignificant() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
        offset += 1
        return true
    }

    /// Reads `"key" :` and returns the key, leaving the scanner at the member's value.
    @discardableResult
    @inline(always)
    mutating func scanKeyAndColon() throws(DecodeFailure) -> JSONStringSpan {
        guard nextSignificant() == UInt8(ascii: "\"") else { throw unexpected("a key") }
        let key = try scanString()
        guard nextSignificant() == UInt8(ascii: ":") else { throw unexpected("':'") }
        offset += 1
        return key
    }
}
