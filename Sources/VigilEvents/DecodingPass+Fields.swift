import VigilValues

extension DecodingPass {
    /// The largest accepted `|amount|`, 10^12, in millionths.
    private static let amountLimit: UInt64 = 1_000_000_000_000 * UInt64(ExactDecimal.unitsPerOne)

    /// Stores a member's value in the required field and the plan fields its key feeds.
    mutating func record(entry index: Int, value: JSONToken, at offset: Int, into event: inout PaymentEvent) {
        let entry = keys.entries[index]
        guard !seen[index] else {
            deferFailure(.duplicateField, "key \"\(keys.names[index])\" occurs again at offset \(offset)")
            return
        }
        seen[index] = true
        switch entry.required {
        case .eventID?: recordEventID(value, at: offset)
        case .timestamp?: recordTimestamp(value, at: offset)
        case .amount?: recordAmount(value, at: offset)
        case nil: break
        }
        for targetIndex in entry.targets {
            let target = keys.targets[targetIndex]
            event.fields[target.index] = self.value(of: value, as: target.type, required: entry.required)
        }
    }

    /// Completes a message whose JSON was valid: the first field problem, or the required fields.
    func finish(into event: inout PaymentEvent) -> DecodeFailure? {
        if let deferredFailure { return deferredFailure }
        guard let eventID else { return missing(.eventID) }
        guard let timestamp else { return missing(.timestamp) }
        guard let amount else { return missing(.amount) }
        event.eventID = eventID
        event.timestamp = timestamp
        event.amount = amount
        return nil
    }

    /// A plan field's value: requested `ts` as a number is the instant in milliseconds, whatever
    /// its JSON form; otherwise the JSON value when it has the requested type.
    private func value(of token: JSONToken, as type: ValueType, required: RequiredField?) -> Value? {
        switch (token, type, required) {
        case (_, .number, .timestamp?): timestamp.flatMap { ExactDecimal($0) }.map(Value.number)
        case (_, .number, .amount?): amount.map(Value.number)
        case (_, .string, .eventID?): eventID.map(Value.string)
        case (.string(let span), .string, _): .string(scanner.string(span))
        case (.number(let range, _), .number, _): ExactDecimal(utf8: scanner.bytes(range)).map(Value.number)
        case (.bool(let bool), .bool, _): .bool(bool)
        default: nil
        }
    }

    private mutating func recordEventID(_ value: JSONToken, at offset: Int) {
        switch value {
        case .string(let span) where span.range.isEmpty:
            deferFailure(.invalidEventID, "event_id at offset \(offset) is empty")
        case .string(let span): eventID = scanner.string(span)
        case .null: break
        default: deferFailure(.mistypedField, "event_id at offset \(offset) is not a string")
        }
    }

    private mutating func recordTimestamp(_ value: JSONToken, at offset: Int) {
        switch value {
        case .number(let range, isInteger: true):
            timestamp = integerMilliseconds(range)
        case .string(let span) where span.isEscaped:
            timestamp = RFC3339.parseMilliseconds(scanner.string(span).utf8)
        case .string(let span):
            timestamp = RFC3339.parseMilliseconds(scanner.bytes(span.range))
        case .null: return
        case .number:
            deferFailure(.invalidTimestamp, "ts at offset \(offset) is not a whole number of milliseconds")
            return
        case .bool, .container:
            deferFailure(.mistypedField, "ts at offset \(offset) is neither epoch milliseconds nor an RFC 3339 string")
            return
        }
        if timestamp == nil {
            deferFailure(
                .invalidTimestamp, "ts at offset \(offset) is not a valid instant in years 0000-9999: \(excerpt(value))"
            )
        }
    }

    private mutating func recordAmount(_ value: JSONToken, at offset: Int) {
        switch value {
        case .number(let range, _):
            amount = ExactDecimal(utf8: scanner.bytes(range)).flatMap {
                $0.units.magnitude <= Self.amountLimit ? $0 : nil
            }
            if amount == nil {
                deferFailure(
                    .invalidAmount,
                    "amount at offset \(offset) needs more than 6 fractional digits or exceeds 10^12: \(excerpt(value))"
                )
            }
        case .null: break
        default: deferFailure(.mistypedField, "amount at offset \(offset) is not a number")
        }
    }

    /// Epoch milliseconds from JSON integer text, limited to the years RFC 3339 can write.
    ///
    /// JSON integers have no leading zeros, so more than 18 digits is always out of range, and up
    /// to 18 digits cannot overflow: the digits are summed without overflow checks.
    private func integerMilliseconds(_ range: Range<Int>) -> Int64? {
        let isNegative = scanner.byte(at: range.lowerBound) == UInt8(ascii: "-")
        let digits = (isNegative ? range.lowerBound + 1 : range.lowerBound)..<range.upperBound
        guard digits.count <= 18 else { return nil }
        var magnitude: Int64 = 0
        for index in digits {
            magnitude = magnitude &* 10 &+ Int64(scanner.byte(at: index) &- UInt8(ascii: "0"))
        }
        let milliseconds = isNegative ? -magnitude : magnitude
        return RFC3339.representableMilliseconds.contains(milliseconds) ? milliseconds : nil
    }

    /// The start of a number or string value for a failure detail, bounded so the detail stays small.
    private func excerpt(_ value: JSONToken) -> String {
        let range: Range<Int>
        switch value {
        case .number(let numberRange, _): range = numberRange
        case .string(let span): range = span.range
        default: return ""
        }
        let shown = scanner.bytes(range.prefix(40))
        return String(decoding: shown, as: UTF8.self) + (range.count > 40 ? "…" : "")
    }

    private mutating func deferFailure(_ reason: DecodeFailure.Reason, _ detail: String) {
        if deferredFailure == nil { deferredFailure = DecodeFailure(reason, detail) }
    }

    private func missing(_ field: RequiredField) -> DecodeFailure {
        DecodeFailure(.missingField, "required key \"\(field.name)\" is absent or null")
    }
}
