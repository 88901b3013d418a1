import ArgumentParser

/// A duration written as operators write it: `500ms`, `30s`, `10m`, `24h`, `30d`.
struct HumanDuration: ExpressibleByArgument, Sendable {
    let milliseconds: Int64

    init?(argument: String) {
        let units: [(suffix: String, milliseconds: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for unit in units where argument.hasSuffix(unit.suffix) {
            guard let count = Int64(argument.dropLast(unit.suffix.count)), count >= 0 else { continue }
            milliseconds = count * unit.milliseconds
            return
        }
        return nil
    }
}
