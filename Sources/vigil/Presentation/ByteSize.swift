/// Sizes as operators write and read them: `512MiB`, `4GiB`, `1.5 GiB`.
enum ByteSize {
    private static let units: [(suffix: String, bytes: Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)]

    static func parse(_ text: String) -> Int? {
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let count = Double(text.dropLast(unit.suffix.count)), count >= 0 else { return nil }
            return Int(count * Double(unit.bytes))
        }
        return Int(text)
    }

    static func text(_ bytes: Double) -> String {
        for unit in units where bytes >= Double(unit.bytes) {
            let value = bytes / Double(unit.bytes)
            return unit.bytes == 1 ? "\(Int(value)) B" : "\(String(format1: value)) \(unit.suffix)"
        }
        return "0 B"
    }
}
