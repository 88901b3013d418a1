import VigilWindows

extension Engine {
    /// How much window state the engine holds now, summed over its aggregators.
    package struct StateSummary: Sendable, Equatable {
        /// Keys with a non-empty window, counted once per aggregator.
        package var activeKeys = 0
        package var retainedEntries = 0
        package var estimatedBytes = 0

        package init() {}
    }

    /// Cheap: reads counters each store keeps; call it per batch, not per event.
    package var stateSummary: StateSummary {
        aggregators.reduce(into: StateSummary()) { summary, aggregator in
            summary.activeKeys += aggregator.store.activeKeys
            summary.retainedEntries += aggregator.store.retainedEntries
            summary.estimatedBytes += aggregator.store.estimatedBytes
        }
    }
}
