import VigilValues

extension Checker {
    /// Checks `table[key]`: a known table and a string key; the read is a number.
    mutating func lookup(_ name: String, _ nameSpan: Span, _ key: Expression, _ text: String) -> Typed? {
        let checkedKey = check(key)
        guard let table = vocabulary.tables[name] else {
            return fail(nameSpan, "unknown table '\(name)'" + unknownTableAdvice(name))
        }
        guard let checkedKey else { return nil }
        guard checkedKey.type == .string else {
            return fail(key.span, "table '\(name)' is keyed by strings, but this key is \(Self.describe(checkedKey.type))")
        }
        let read = Typed(node: .lookup(table, key: checkedKey), type: .number, text: text)
        if !tables.contains(name) { tables.append(name) }
        if insideFilter { namedInFilter.insert(name) }
        if !insideFilter, !lookups.contains(where: { $0.text == text }) { lookups.append(read) }
        return read
    }

    /// A near-miss table name, else what the name is instead, else where tables come from.
    private func unknownTableAdvice(_ name: String) -> String {
        let hint = Suggestion.hint(for: name, among: vocabulary.tables.keys)
        guard hint.isEmpty else { return hint }
        if vocabulary.lists[name] != nil { return "; '\(name)' is a named list, used as: <field> in \(name)" }
        if vocabulary.fieldTypes[name] != nil { return "; '\(name)' is a field, and a field has no rows to look up" }
        return "; a table is a file tables/\(name).txt in the rules directory, one KEY VALUE row per line"
    }
}
