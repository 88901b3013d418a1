import Foundation

/// The process's resident memory and the machine's available memory, from /proc.
enum ProcessMemory {
    /// VmRSS of this process, in bytes.
    static func residentBytes() -> Int {
        kilobytes(of: "VmRSS:", in: "/proc/self/status") * 1024
    }

    /// VmHWM of this process, in bytes: the most it has been resident at once.
    static func peakResidentBytes() -> Int {
        kilobytes(of: "VmHWM:", in: "/proc/self/status") * 1024
    }

    /// MemAvailable of the machine, in bytes: how far the curve may go without swapping other work out.
    static func availableBytes() -> Int {
        kilobytes(of: "MemAvailable:", in: "/proc/meminfo") * 1024
    }

    private static func kilobytes(of field: String, in path: String) -> Int {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    }
}
