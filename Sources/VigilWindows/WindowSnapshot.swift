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

    /// A store holding exactly the observations of the serialized snapshot, so aggregates continue where they were.
    package convenience init(serializedSnapshot bytes: [UInt8]) throws(WindowSnapshotError) {
        var reader = SnapshotReader(bytes: bytes)
        try self.init(snapshotFrom: &reader)
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
    }

    /// Reads one snapshot (as ``WindowSnapshot/write(to:)`` writes it) into a new store, key by
    /// key, and leaves the reader after it.
    /// - Parameter keys: the directory to put the keys in, which stores restored for the same key
    ///   fields share (see ``share(keysOf:)``).
    package convenience init(snapshotFrom reader: inout SnapshotReader, keys: KeyDirectory = KeyDirectory()) throws(WindowSnapshotError) {
        let header = try WindowSnapshot.Header(from: &reader)
        self.init(function: header.function, widthMilliseconds: header.widthMilliseconds, keys: keys)
        var decoder = HistoryDecoder(function: header.function)
        try restore(header.keyCount, from: &reader, decoder: &decoder)
        advance(watermark: header.watermark)
    }
}
