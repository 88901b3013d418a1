import VigilValues
import VigilWindows

/// The obvious implementation: every observation in a plain array, filtered per query.
struct ReferenceWindow {
    let function: WindowFunction
    let width: Int64
    private var observations: [String: [(time: Int64, value: Value?)]] = [:]

    init(function: WindowFunction, width: Int64) {
        self.function = function
        self.width = width
    }

    mutating func record(key: String, time: Int64, value: Value?) {
        observations[key, default: []].append((time, value))
    }

    func aggregate(key: String, at time: Int64) -> Value? {
        let inWindow = (observations[key] ?? []).filter { $0.time > time - width && $0.time <= time }
        let values = inWindow.compactMap(\.value)
        let units = values.compactMap { value -> Int64? in
            guard case .number(let number) = value else { return nil }
            return number.units
        }
        switch function {
        case .count: return .number(ExactDecimal(Int64(inWindow.count))!)
        case .distinctCount: return .number(ExactDecimal(Int64(Set(values).count))!)
        case .sum: return ExactDecimal.narrow(units.reduce(Int128(0)) { $0 + Int128($1) }).map(Value.number)
        case .average:
            let total = units.reduce(Int128(0)) { $0 + Int128($1) }
            return ExactDecimal.mean(sumOfUnits: total, count: units.count).map(Value.number)
        case .minimum: return units.min().map { .number(ExactDecimal(units: $0)) }
        case .maximum: return units.max().map { .number(ExactDecimal(units: $0)) }
        }
    }
}
