/// "Did you mean" hints, so a misspelt name costs the analyst one glance instead of a search.
enum Suggestion {
    /// `"; did you mean 'amount'?"`, or empty when nothing is close enough to be a likely typo.
    static func hint(for name: String, among candidates: some Sequence<String>) -> String {
        // Two edits turn any two-letter name into any other ('US' into 'ip'): short names get one.
        let limit = name.count <= 3 ? 1 : max(2, name.count / 3)
        let scored = candidates.map { ($0, distance(name, $0)) }.filter { $0.1 <= limit }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return "" }
        return "; did you mean '\(best.0)'?"
    }

    /// Edit distance over characters in which swapping two neighbours (`bgi`, `cuont`) is one
    /// edit, as it is one slip of the fingers (optimal string alignment).
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let source = Array(lhs)
        let target = Array(rhs)
        var beforePrevious: [Int] = []
        var previous = Array(0...target.count)
        for row in source.indices {
            var current = [row + 1]
            for column in target.indices {
                let substitution = previous[column] + (source[row] == target[column] ? 0 : 1)
                var best = min(substitution, previous[column + 1] + 1, current[column] + 1)
                if row > 0, column > 0, source[row] == target[column - 1], source[row - 1] == target[column] {
                    best = min(best, beforePrevious[column - 1] + 1)
                }
                current.append(best)
            }
            beforePrevious = previous
            previous = current
        }
        return previous[target.count]
    }
}
