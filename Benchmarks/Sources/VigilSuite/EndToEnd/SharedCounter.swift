import Synchronization

/// A count that one thread raises and others read (a reference, so closures can share it).
final class SharedCounter: Sendable {
    private let value = Atomic(0)

    /// Adds `amount` and returns the new count.
    @discardableResult
    func add(_ amount: Int) -> Int {
        value.add(amount, ordering: .relaxed).newValue
    }

    var count: Int { value.load(ordering: .relaxed) }
}
