import Glibc

/// Wall-clock time in epoch milliseconds: `gen --start now`, alert detection times, `tail --from 15m`.
enum EpochClock {
    static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
