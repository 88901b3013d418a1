import ArgumentParser
import VigilValues

/// A duration written as operators write it: `500ms`, `30s`, `10m`, `24h`, `30d`.
struct HumanDuration: ExpressibleByArgument, Sendable {
    let milliseconds: Int64

    init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    init?(argument: String) {
        guard let milliseconds = ReadableDuration.milliseconds(argument) else { return nil }
        self.milliseconds = milliseconds
    }

    var defaultValueDescription: String { ReadableDuration.text(milliseconds: milliseconds) }
}
