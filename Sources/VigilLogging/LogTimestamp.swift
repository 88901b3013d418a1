#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import VigilValues

/// An instant rendered as RFC 3339 UTC with milliseconds (`2026-11-27T10:15:00.123Z`), without Foundation.
struct LogTimestamp {
    let millisecondsSinceEpoch: Int64

    static func now() -> LogTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return LogTimestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    var rendered: String {
        RFC3339.format(milliseconds: millisecondsSinceEpoch)
    }
}
