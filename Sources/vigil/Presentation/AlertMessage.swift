import Foundation

/// An alert read back from an alert topic, in the shape of the README's alert contract.
///
/// Only the ids are required: any other field that is missing or of an unexpected type is nil, so
/// an alert written by an older or newer Vigil still shows. Numbers keep their exact decimal value.
struct AlertMessage: Decodable {
    struct Window: Decodable {
        let durationMilliseconds: Int64?
        let startExclusive: String?
        let end: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            durationMilliseconds = container.lenient(Int64.self, .durationMilliseconds)
            startExclusive = container.lenientText(.startExclusive)
            end = container.lenientText(.end)
        }

        enum CodingKeys: String, CodingKey {
            case durationMilliseconds = "duration_ms", startExclusive = "start_exclusive", end
        }
    }

    struct Source: Decodable {
        let topic: String
        let partition: Int
        let offset: Int64

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            topic = try container.text(.topic)
            partition = try container.decode(Int.self, forKey: .partition)
            offset = try container.decode(Int64.self, forKey: .offset)
        }

        enum CodingKeys: String, CodingKey { case topic, partition, offset }
    }

    /// One comparison of the rule and the value of each side; `holds` is nil when a side was unknown.
    struct Condition: Decodable {
        let text: String
        let left: JSONScalar?
        let op: String
        let right: JSONScalar?
        let holds: Bool?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.text(.text)
            left = container.lenient(JSONScalar.self, .left)
            op = try container.text(.op)
            right = container.lenient(JSONScalar.self, .right)
            holds = container.lenient(Bool.self, .holds)
        }

        enum CodingKeys: String, CodingKey { case text, left, op, right, holds }
    }

    struct Aggregate: Decodable {
        let text: String
        let value: JSONScalar?
        let window: Window?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.text(.text)
            value = container.lenient(JSONScalar.self, .value)
            window = container.lenient(Window.self, .window)
        }

        enum CodingKeys: String, CodingKey { case text, value, window }
    }

    /// One table read: the key it was read with and what the table gave (null when unknown).
    struct Lookup: Decodable {
        let text: String
        let key: JSONScalar?
        let value: JSONScalar?
        let isDefault: Bool?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.text(.text)
            key = container.lenient(JSONScalar.self, .key)
            value = container.lenient(JSONScalar.self, .value)
            isDefault = container.lenient(Bool.self, .isDefault)
        }

        enum CodingKeys: String, CodingKey { case text, key, value, isDefault = "default" }
    }

    struct Explanation: Decodable {
        let conditions: [Condition]
        let aggregates: [Aggregate]
        let lookups: [Lookup]
        let fields: [String: JSONScalar]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            conditions = container.lenient([Condition].self, .conditions) ?? []
            aggregates = container.lenient([Aggregate].self, .aggregates) ?? []
            lookups = container.lenient([Lookup].self, .lookups) ?? []
            fields = container.lenientScalars(.fields)
        }

        enum CodingKeys: String, CodingKey { case conditions, aggregates, lookups, fields }
    }

    let alertID: String
    let ruleID: String
    let severity: String?
    let mode: String?
    let description: String?
    let key: [String: JSONScalar]
    let observed: JSONScalar?
    let threshold: JSONScalar?
    let condition: String?
    let window: Window?
    let eventID: String?
    let eventTime: String?
    let detectedAt: String?
    let rulesetVersion: String?
    let source: Source?
    let suppressedFirings: Int?
    let explanation: Explanation?

    /// Reads an alert message; nil when it is not a JSON object with an `alert_id` and a `rule_id`.
    init?(json bytes: [UInt8]) {
        guard let message = try? JSONDecoder().decode(Self.self, from: Data(bytes)) else { return nil }
        self = message
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alertID = try container.text(.alertID)
        ruleID = try container.text(.ruleID)
        severity = container.lenientText(.severity)
        mode = container.lenientText(.mode)
        description = container.lenientText(.description)
        key = container.lenientScalars(.key)
        observed = container.lenient(JSONScalar.self, .observed)
        threshold = container.lenient(JSONScalar.self, .threshold)
        condition = container.lenientText(.condition)
        window = container.lenient(Window.self, .window)
        eventID = container.lenientText(.eventID)
        eventTime = container.lenientText(.eventTime)
        detectedAt = container.lenientText(.detectedAt)
        rulesetVersion = container.lenientText(.rulesetVersion)
        source = container.lenient(Source.self, .source)
        suppressedFirings = container.lenient(Int.self, .suppressedFirings)
        explanation = container.lenient(Explanation.self, .explanation)
    }

    enum CodingKeys: String, CodingKey {
        case alertID = "alert_id", ruleID = "rule_id", severity, mode, description, key, observed, threshold, condition, window
        case eventID = "event_id", eventTime = "event_ts", detectedAt = "detected_at", rulesetVersion = "ruleset_version"
        case source, suppressedFirings = "suppressed_firings", explanation
    }
}

/// A JSON value as an alert shows it: numbers as exact decimals, strings, booleans and null.
enum JSONScalar: Decodable, Equatable {
    case number(Decimal)
    case string(String)
    case bool(Bool)
    case null
    /// An array or an object, which no alert field that is shown holds.
    case composite

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Decimal.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text.terminalSafe)
        } else {
            self = .composite
        }
    }

    /// The value as written in a rule: strings quoted, so `"EUR" == "JPY"` reads as a comparison of texts.
    var ruleText: String {
        if case .string(let text) = self { return "\"\(text)\"" }
        return plainText
    }

    /// The value as a key or field shows it: strings bare.
    var plainText: String {
        switch self {
        case .number(let number): number.description
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "-"
        case .composite: "…"
        }
    }
}

/// Every text an alert shows comes through these, made ``Swift/String/terminalSafe``: the alert
/// topic's contents are not trusted to be Vigil's.
extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is absent, null or of another type.
    fileprivate func lenient<Value: Decodable>(_ type: Value.Type, _ key: Key) -> Value? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }

    fileprivate func text(_ key: Key) throws -> String {
        try decode(String.self, forKey: key).terminalSafe
    }

    fileprivate func lenientText(_ key: Key) -> String? {
        lenient(String.self, key)?.terminalSafe
    }

    /// A map of field names to values (the key, the fields read), names made safe too.
    fileprivate func lenientScalars(_ key: Key) -> [String: JSONScalar] {
        let scalars = lenient([String: JSONScalar].self, key) ?? [:]
        return Dictionary(scalars.map { ($0.key.terminalSafe, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
