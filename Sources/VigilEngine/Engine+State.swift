import VigilWindows

extension Engine {
    /// How much window state the engine holds now, summed over its stores (a store that several
    /// aggregators read counts once).
    package struct StateSummary: Sendable, Equatable {
        /// Keys with a non-empty window, counted once per store.
        package var activeKeys = 0
        package var retainedEntries = 0
        package var estimatedBytes = 0

        package init() {}
    }

    /// Cheap: reads counters each store keeps; call it per batch, not per event.
    package var stateSummary: StateSummary {
        aggregators.filter(\.records).reduce(into: StateSummary()) { summary, aggregator in
            summary.activeKeys += aggregator.store.activeKeys
            summary.retainedEntries += aggregator.store.retainedEntries
            summary.estimatedBytes += aggregator.store.estimatedBytes
        }
    }
}

extension Engine {
    /// The engine's stores by name, each once.
    var stores: [String: SlidingWindowStore] {
        Dictionary(aggregators.filter(\.records).map { ($0.stateName, $0.store) }, uniquingKeysWith: { first, _ in first })
    }
}
