import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle
import Synchronization

/// A request to stop, set from any thread and read by a blocking loop between iterations.
package final class StopSignal: Sendable {
    private let flag = Atomic(false)

    package init() {}

    package var isRequested: Bool { flag.load(ordering: .relaxed) }

    package func request() {
        flag.store(true, ordering: .relaxed)
    }
}

/// Runs blocking work (librdkafka polls and flushes) on a thread of its own, never on Swift's
/// cooperative pool, and raises `signal` on graceful shutdown or task cancellation.
package enum DedicatedThread {
    package static func run<Result: Sendable>(
        label: String,
        signal: StopSignal = StopSignal(),
        _ body: @escaping @Sendable (StopSignal) throws -> Result
    ) async throws -> Result {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue(label: label).async {
                        let result = withThreadName(label) { Swift.Result { try body(signal) } }
                        continuation.resume(with: result)
                    }
                }
            } onCancel: {
                signal.request()
            }
        } onGracefulShutdown: {
            signal.request()
        }
    }

    /// Names the thread while `body` runs (Linux keeps 15 bytes), so that `top -H` and profilers
    /// show which thread is Vigil's pipeline; a worker thread of Dispatch gets its name back after.
    /// Through `/proc/thread-self/comm`: Swift's Glibc module leaves `pthread_setname_np` out.
    private static func withThreadName<Result>(_ label: String, _ body: () -> Result) -> Result {
        #if canImport(Glibc)
        let previous = threadName()
        setThreadName(String(decoding: label.utf8.prefix(15), as: UTF8.self))
        defer { if let previous { setThreadName(previous) } }
        #endif
        return body()
    }

    #if canImport(Glibc)
    private static let nameFile = "/proc/thread-self/comm"

    private static func threadName() -> String? {
        let file = open(nameFile, O_RDONLY)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = read(file, &bytes, bytes.count)
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    private static func setThreadName(_ name: String) {
        let file = open(nameFile, O_WRONLY)
        guard file >= 0 else { return }
        defer { close(file) }
        _ = Array(name.utf8).withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    }
    #endif
}
