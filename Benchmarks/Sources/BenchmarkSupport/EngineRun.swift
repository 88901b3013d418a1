import VigilEngine
import VigilRules
import VigilTraffic

/// An engine walking through the workload, one slice at a time.
package final class EngineRun {
    package let engine: Engine
    private var cursor = 0
    package private(set) var alerts = 0
    private let source = EventSource(topic: "payments", partition: 0, offset: 0)

    package init(plan: RulePlan) {
        engine = Engine(plan: plan)
    }

    package var eventsProcessed: Int { cursor }

    /// Processes the next `count` events, or as many as are left.
    package func process(_ count: Int) {
        let batch = Workload.batch
        let end = min(cursor + count, batch.count)
        batch.bytes.withUnsafeBytes { bytes in
            for index in cursor..<end {
                let message = UnsafeRawBufferPointer(rebasing: bytes[batch.range(of: index)])
                if case .evaluated(let fired) = engine.process(message, source: source, now: 0) {
                    alerts += fired.count
                }
            }
        }
        cursor = end
    }
}
