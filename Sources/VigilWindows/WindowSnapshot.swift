package import VigilValues

/// The retained observations of a window store, to persist it across restarts.
package struct WindowSnapshot: Sendable, Equatable {
    /// One recorded observation; `value` is `nil` for a count.
    package struct Observation: Sendable, Equatable {
        package var time: Int64
        package var value: Value?

        package init(time: Int64, value: Value?) {
            self.time = time
            self.value = value
        }
    }

    /// One key's observations in time order.
    package struct KeyHistory: Sendable, Equatable {
        package var key: String
        package var observations: [Observation]

        package init(key: String, observations: [Observation]) {
            self.key = key
            self.observations = observations
        }
    }

    package var function: WindowFunction
    package var widthMilliseconds: Int64
    /// The store's watermark, or `Int64.min` when it was never advanced.
    package var watermark: Int64
    /// Keys in ascending order.
    package var keys: [KeyHistory]

    package init(function: WindowFunction, widthMilliseconds: Int64, watermark: Int64, keys: [KeyHistory]) {
        self.function = function
        self.widthMilliseconds = widthMilliseconds
        self.watermark = watermark
        self.keys = keys
    }
}

/// Why a snapshot could not be read or restored.
package enum WindowSnapshotError: Error, Equatable, Sendable {
    /// The bytes end before the snapshot does.
    case truncated
    /// The bytes do not start with the snapshot signature.
    case notASnapshot
    case unsupportedVersion(UInt8)
    /// The content is inconsistent, for example an unknown function or an overflowing time.
    case malformed(String)
}

extension SlidingWindowStore {
    /// Every key's observations that a query can still reach.
    package func snapshot() -> WindowSnapshot {
        WindowSnapshot(
            function: function, widthMilliseconds: widthMilliseconds, watermark: watermark, keys: histories
        )
    }

    /// A store holding exactly the snapshot's observations, so aggregates continue where they were.
    /// - Parameter keys: the directory to put the keys in, which stores restored for the same key
    ///   fields share (see ``share(keysOf:)``).
    package convenience init(restoring snapshot: WindowSnapshot, keys: KeyDirectory = KeyDirectory()) throws(WindowSnapshotError) {
        guard snapshot.widthMilliseconds >= 1 else { throw .malformed("window width below 1 ms") }
        self.init(function: snapshot.function, widthMilliseconds: snapshot.widthMilliseconds, keys: keys)
        var seenKeys = Set<String>()
        for history in snapshot.keys where !history.observations.isEmpty {
            guard seenKeys.insert(history.key).inserted else { throw .malformed("duplicate key") }
            let lane = keys.lane(for: WindowKey(history.key))
            for observation in history.observations {
                guard Self.accepts(observation.value, for: function) else {
                    keys.forgetIfUnheld(lane)
                    throw .malformed("value does not suit \(function)")
                }
                _ = recordAndAggregate(lane: lane, time: observation.time, value: observation.value)
            }
        }
        advance(watermark: snapshot.watermark)
    }

    private static func accepts(_ value: Value?, for function: WindowFunction) -> Bool {
        switch (function, value) {
        case (.count, nil), (.distinctCount, _?): true
        case (.sum, .number?), (.average, .number?), (.minimum, .number?), (.maximum, .number?): true
        default: false
        }
    }
}
