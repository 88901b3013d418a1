import BenchmarkSupport
import VigilEngine
import VigilEvents
import VigilRules
import VigilTraffic

/// Runs the warm-up, then one measured slice of the workload through one part of the hot path.
///
/// Usage: `HotPathProfile engine-reference|engine-starter|engine:DIRECTORY|decoder|windows|snapshot [events]`,
/// where `engine:DIRECTORY` runs the engine with the rules in that directory, and `snapshot` freezes
/// the reference engine's state after the events, times what that costs the events that follow,
/// serializes it and restores it into a new engine (the slice). Under
/// `valgrind --tool=callgrind --toggle-collect='*profiledSlice*'` only the slice is counted, so
/// instructions divided by events is the per-event cost, repeatable to a fraction of a percent.
/// Run directly, the engine parts also print the slice's wall time per event, for quick A/B runs.
let arguments = CommandLine.arguments.dropFirst()
let part = arguments.first ?? "engine-reference"
let events = arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000

@inline(never)
func profiledSlice(_ body: () -> Int) -> Int {
    body()
}

switch part {
case "engine-reference", "engine-starter", _ where part.hasPrefix("engine:"):
    let plan = switch part {
    case "engine-reference": RuleSet.reference.plan()
    case "engine-starter": RuleSet.starter.plan()
    default: RuleSet.plan(directory: String(part.dropFirst("engine:".count)))
    }
    let run = EngineRun(plan: plan)
    run.process(Workload.warmUpEvents)
    let before = run.alerts
    let started = ContinuousClock.now
    let alerts = profiledSlice {
        run.process(events)
        return run.alerts - before
    }
    let elapsed = ContinuousClock.now - started
    let measured = run.eventsProcessed - Workload.warmUpEvents
    let nanoseconds = (elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000) / Int64(max(measured, 1))
    print("\(part): \(measured) events, \(alerts) alerts, \(Workload.meanEventBytes) bytes per event, \(nanoseconds) ns per event")
    let state = run.engine.stateSummary
    print("  window state: \(state.retainedEntries) entries, \(state.activeKeys) keys, \(state.estimatedBytes) bytes (estimated)")
    for rule in run.engine.statistics.rules {
        print("  \(rule.ruleID): matched \(rule.matched), fired \(rule.fired), unknown \(rule.unknown)")
    }
case "decoder":
    let plan = RuleSet.reference.plan()
    let decoder = EventDecoder(fields: plan.fields)
    var event = PaymentEvent(fieldCount: plan.fields.count)
    let batch = Workload.batch
    let failures = profiledSlice {
        batch.bytes.withUnsafeBytes { bytes in
            (0..<min(events, batch.count)).reduce(0) { failures, index in
                let message = UnsafeRawBufferPointer(rebasing: bytes[batch.range(of: index)])
                return failures + (decoder.decode(message, into: &event) == nil ? 0 : 1)
            }
        }
    }
    print("decoder: \(events) events, \(failures) failures")
case "windows":
    let run = WindowRun(plan: RuleSet.reference.plan())
    _ = run.process(Workload.warmUpEvents)
    let nonZero = profiledSlice { run.process(events) }
    let perEntry = run.estimatedBytes / max(run.retainedEntries, 1)
    print("windows: \(events) events, \(nonZero) non-zero, \(run.retainedEntries) entries, \(perEntry) bytes per entry")
case "snapshot":
    let plan = RuleSet.reference.plan()
    let run = EngineRun(plan: plan)
    run.process(Workload.warmUpEvents + events)
    let entries = run.engine.stateSummary.retainedEntries
    // What the processing loop pays: freezing, then the first events after it, which copy the
    // arrays they change while the frozen state shares them; then the same number of events again.
    let freezing = ContinuousClock.now
    let frozen = run.engine.frozenState()
    let frozenIn = ContinuousClock.now - freezing
    let following = 1_000
    let copying = ContinuousClock.now
    run.process(following)
    let afterFreezing = ContinuousClock.now - copying
    // What the serializer pays, off the loop.
    let serializing = ContinuousClock.now
    let bytes = frozen.serialized()
    let serialized = ContinuousClock.now - serializing
    let plain = ContinuousClock.now
    run.process(following)
    let withoutFrozenState = ContinuousClock.now - plain
    let restored = Engine(plan: plan)
    let loading = ContinuousClock.now
    let keys = profiledSlice {
        do {
            try restored.restore(fromSnapshot: bytes[...])
        } catch {
            print("restore failed: \(error)")
        }
        return restored.stateSummary.activeKeys
    }
    let loaded = ContinuousClock.now - loading
    func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
    func perEntry(_ duration: Duration) -> Int64 {
        (duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000) / Int64(max(entries, 1))
    }
    print("snapshot: \(entries) entries, \(keys) keys, \(bytes.count) bytes")
    print("  the loop: frozen in \(microseconds(frozenIn)) µs; the next \(following) events took \(microseconds(afterFreezing)) µs, "
        + "the \(following) after them \(microseconds(withoutFrozenState)) µs")
    print("  serialized at \(perEntry(serialized)) ns per entry; restored at \(perEntry(loaded)) ns per entry")
default:
    print("unknown part \(part): engine-reference, engine-starter, decoder, windows or snapshot")
}
