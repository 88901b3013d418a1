import VigilEvents
import VigilRules
import VigilTraffic
import VigilValues
import VigilWindows

/// A rule plan's window stores fed directly with pre-decoded keys and values, without decoding or rules.
package final class WindowRun {
    private struct Observation {
        let time: Int64
        let keys: [WindowKey?]
        let values: [Value?]
    }

    package let stores: [SlidingWindowStore]
    private let observations: [Observation]
    private var cursor = 0

    package init(plan: RulePlan) {
        stores = plan.aggregators.map { spec in
            SlidingWindowStore(function: Self.function(of: spec.function), widthMilliseconds: spec.windowMilliseconds)
        }
        observations = Self.decodeAll(plan: plan)
    }

    package var retainedEntries: Int { stores.reduce(0) { $0 + $1.retainedEntries } }
    package var activeKeys: Int { stores.reduce(0) { $0 + $1.activeKeys } }
    package var estimatedBytes: Int { stores.reduce(0) { $0 + $1.estimatedBytes } }

    /// Records the next `count` observations in every store and reads each aggregate back.
    package func process(_ count: Int) -> Int {
        let end = min(cursor + count, observations.count)
        var nonZero = 0
        for observation in observations[cursor..<end] {
            for (index, store) in stores.enumerated() {
                guard let key = observation.keys[index] else { continue }
                let value = store.recordAndAggregate(key: key, time: observation.time, value: observation.values[index])
                if value != .number(.zero) { nonZero += 1 }
            }
        }
        cursor = end
        return nonZero
    }

    /// The key and recorded value of every aggregator for every event of the workload.
    private static func decodeAll(plan: RulePlan) -> [Observation] {
        let decoder = EventDecoder(fields: plan.fields)
        var event = PaymentEvent(fieldCount: plan.fields.count)
        let batch = Workload.batch
        return batch.bytes.withUnsafeBytes { bytes in
            (0..<batch.count).compactMap { index in
                guard decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[batch.range(of: index)]), into: &event) == nil
                else { return nil }
                let keys = plan.aggregators.map { spec -> WindowKey? in
                    guard spec.keyFields.count == 1 else { return nil }
                    return event.fields[spec.keyFields[0].index].map { WindowKey($0.description) }
                }
                let values = plan.aggregators.map { spec in Self.input(of: spec.function).flatMap { event.fields[$0.index] } }
                return Observation(time: event.timestamp, keys: keys, values: values)
            }
        }
    }

    private static func function(of function: AggregateFunction) -> WindowFunction {
        switch function {
        case .count: .count
        case .sum: .sum
        case .average: .average
        case .minimum: .minimum
        case .maximum: .maximum
        case .distinct: .distinctCount
        }
    }

    private static func input(of function: AggregateFunction) -> FieldID? {
        switch function {
        case .count: nil
        case .sum(let field), .average(let field), .minimum(let field), .maximum(let field), .distinct(let field): field
        }
    }
}
