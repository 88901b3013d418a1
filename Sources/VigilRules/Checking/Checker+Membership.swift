import VigilValues

extension Checker {
    mutating func membership(_ negated: Bool, _ element: Expression, _ set: Expression, _ text: String) -> Typed? {
        let checkedElement = check(element)
        let members = memberSet(set, elementType: checkedElement?.type)
        guard let checkedElement, let members else { return nil }
        let node = Typed.Node.membership(checkedElement, members, setText: set.canonicalText, negated: negated)
        return Typed(node: node, type: .bool, text: text)
    }

    private mutating func memberSet(_ set: Expression, elementType: ValueType?) -> MemberSet? {
        switch set.kind {
        case .list(let elements):
            return literalSet(elements, elementType: elementType)
        case .name(let name):
            return namedList(name, set.span, elementType: elementType)
        default:
            report(set.span, "in needs a list such as [\"US\", \"GB\"] or the name of a list file")
            return nil
        }
    }

    private mutating func namedList(_ name: String, _ span: Span, elementType: ValueType?) -> MemberSet? {
        guard let entries = vocabulary.lists[name] else {
            let hint = Suggestion.hint(for: name, among: vocabulary.lists.keys)
            let place = vocabulary.fieldTypes[name] != nil ? " ('\(name)' is a field; in needs a list)"
                : vocabulary.tables[name] != nil ? " ('\(name)' is a table; in needs a list)" : ""
            report(span, "unknown list '\(name)'\(place)\(hint)")
            return nil
        }
        guard elementType == nil || elementType == .string else {
            report(span, "list '\(name)' holds strings, but the value before in is \(Self.describe(elementType ?? .string))")
            return nil
        }
        if !lists.contains(name) { lists.append(name) }
        if insideFilter { namedInFilter.insert(name) }
        return .strings(entries)
    }

    private mutating func literalSet(_ elements: [Expression], elementType: ValueType?) -> MemberSet? {
        var values: [Value] = []
        for element in elements {
            guard let typed = check(element) else { continue }
            guard case .constant(let value) = typed.node else {
                report(element.span, "list elements must be literal values")
                continue
            }
            if let elementType, value.type != elementType {
                let types = "\(Self.describe(value.type)), but the value before in is \(Self.describe(elementType))"
                report(element.span, "list element is \(types)")
                continue
            }
            values.append(value)
        }
        guard values.count == elements.count, let elementType else { return nil }
        return Self.set(of: values, type: elementType)
    }

    private static func set(of values: [Value], type: ValueType) -> MemberSet {
        switch type {
        case .string: .strings(Set(values.compactMap(Unbox.string)))
        case .number: .numbers(Set(values.compactMap(Unbox.decimal)))
        case .bool: .bools(Set(values.compactMap(Unbox.boolean)))
        }
    }
}
