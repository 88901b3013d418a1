#if canImport(Glibc)
import Glibc
#endif
import Prometheus
import Synchronization

/// The process's own resource use under the names every Prometheus client library gives it
/// (`process_cpu_seconds_total`, `process_resident_memory_bytes`, …), read from `/proc/self` when
/// `/metrics` is scraped, so that dashboards and alerts written for any service work on Vigil.
///
/// swift-prometheus has no process collector. Elsewhere than Linux the series stay absent.
final class ProcessMetrics: Sendable {
    private let cpuSeconds: Counter
    private let residentBytes: Gauge
    private let virtualBytes: Gauge
    private let openDescriptors: Gauge
    private let maximumDescriptors: Gauge
    /// CPU seconds reported so far; the counter only takes increments.
    private let reportedCPU = Mutex<Double>(0)

    init(registry: PrometheusCollectorRegistry) {
        cpuSeconds = registry.makeCounter(descriptor: .named("process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds."))
        residentBytes = registry.makeGauge(descriptor: .named("process_resident_memory_bytes", help: "Resident memory size in bytes."))
        virtualBytes = registry.makeGauge(descriptor: .named("process_virtual_memory_bytes", help: "Virtual memory size in bytes."))
        openDescriptors = registry.makeGauge(descriptor: .named("process_open_fds", help: "Number of open file descriptors."))
        maximumDescriptors = registry.makeGauge(descriptor: .named("process_max_fds", help: "Maximum number of open file descriptors."))
        let startTime = registry.makeGauge(descriptor: .named("process_start_time_seconds", help: "Start time of the process since unix epoch in seconds."))
        #if os(Linux)
        if let started = ProcessStat.read()?.startTime() { startTime.set(started) }
        #endif
    }

    /// Reads the figures that change afresh; a figure that cannot be read keeps its last value.
    func update() {
        #if os(Linux)
        if let stat = ProcessStat.read() {
            let cpu = stat.cpuSeconds
            let increment = reportedCPU.withLock { reported in
                defer { reported = max(reported, cpu) }
                return cpu - reported
            }
            if increment > 0 { cpuSeconds.increment(by: increment) }
            residentBytes.set(Double(stat.residentBytes))
            virtualBytes.set(Double(stat.virtualBytes))
        }
        if let open = ProcessStat.openDescriptors() { openDescriptors.set(Double(open)) }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maximumDescriptors.set(Double(limit.rlim_cur)) }
        #endif
    }
}

#if os(Linux)
/// The fields of `/proc/self/stat` that the process metrics report (proc(5)).
struct ProcessStat {
    let cpuSeconds: Double
    let startSecondsAfterBoot: Double
    let virtualBytes: Int
    let residentBytes: Int

    static func read() -> ProcessStat? {
        guard let text = contents(of: "/proc/self/stat") else { return nil }
        return parse(text, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Parses the line after the command name, which is in parentheses and may hold spaces or
    /// parentheses itself; so the fields are counted from the last `)`.
    static func parse(_ text: String, ticksPerSecond: Double, pageSize: Int) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        // Fields from the third on: state is the first here, so field n of proc(5) is at n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23), let resident = field(24) else {
            return nil
        }
        return ProcessStat(
            cpuSeconds: (user + system) / ticksPerSecond,
            startSecondsAfterBoot: start / ticksPerSecond,
            virtualBytes: Int(virtual),
            residentBytes: Int(resident) * pageSize
        )
    }

    /// Seconds since the epoch when the process started: now, less the time since boot
    /// (`/proc/uptime`), plus when after boot the process started.
    func startTime() -> Double? {
        guard let uptime = Self.contents(of: "/proc/uptime")?.split(separator: " ").first.flatMap({ Double($0) }) else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - uptime + startSecondsAfterBoot
    }

    static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        // The directory stream itself is one of the descriptors listed.
        return max(0, count - 1)
    }

    /// A small file of `/proc` in one read: those read here are a line of well under 4 KiB.
    private static func contents(of path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = fread(&buffer, 1, buffer.count, file)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }
}
#endif
