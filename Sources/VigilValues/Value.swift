/// A field value as rules see it.
///
/// Events carry JSON; rules compare numbers exactly, strings by their bytes, and booleans.
/// JSON `null` and nested objects or arrays never become a `Value`: to a rule, such a field is missing.
package enum Value: Hashable, Sendable {
    case number(ExactDecimal)
    case string(String)
    case bool(Bool)

    package var type: ValueType {
        switch self {
        case .number: .number
        case .string: .string
        case .bool: .bool
        }
    }
}

extension Value: CustomStringConvertible {
    package var description: String {
        switch self {
        case .number(let number): number.description
        case .string(let string): string
        case .bool(let bool): bool ? "true" : "false"
        }
    }
}

/// The type of a field or an expression, as the rule checker and the event decoder agree on it.
package enum ValueType: String, Hashable, Sendable, CustomStringConvertible {
    case number
    case string
    case bool

    package var description: String { rawValue }
}

/// The position of a field in the rule plan's field table; the decoder fills values by this index.
package struct FieldID: Hashable, Sendable, Comparable {
    package let index: Int

    package init(_ index: Int) {
        self.index = index
    }

    package static func < (lhs: FieldID, rhs: FieldID) -> Bool { lhs.index < rhs.index }
}

/// A field the rule plan reads from events, with the type its rules expect.
package struct FieldSpec: Hashable, Sendable {
    package let name: String
    package let type: ValueType

    package init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}
