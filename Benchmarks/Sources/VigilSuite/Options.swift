/// `--name value` pairs from the command line; unknown names are an error, so a typo never
/// silently measures with a default.
struct Options {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    private var values: [String: String] = [:]
    private var read: Set<String> = []

    init(_ arguments: [String]) throws {
        var remaining = arguments[...]
        while let name = remaining.popFirst() {
            guard name.hasPrefix("--"), let value = remaining.popFirst() else {
                throw Invalid(description: "expected --name value, got '\(name)'")
            }
            values[String(name.dropFirst(2))] = value
        }
    }

    mutating func string(_ name: String, default fallback: String) -> String {
        read.insert(name)
        return values[name] ?? fallback
    }

    mutating func int(_ name: String, default fallback: Int) throws -> Int {
        let text = string(name, default: String(fallback))
        guard let value = Int(text.replacingUnderscores()), value > 0 else {
            throw Invalid(description: "--\(name) takes a positive whole number, got '\(text)'")
        }
        return value
    }

    /// Fails on names that no scenario asked for.
    func checkAllRead() throws {
        let unknown = Set(values.keys).subtracting(read)
        guard unknown.isEmpty else { throw Invalid(description: "unknown options: \(unknown.sorted().map { "--\($0)" })") }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(filter { $0 != "_" })
    }
}
