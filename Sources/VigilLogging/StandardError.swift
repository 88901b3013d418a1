#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where finished log lines go: standard error in the executable, a capture in tests.
struct LogSink: Sendable {
    let writeLine: @Sendable (String) -> Void

    /// Writes each line with one `write(2)` under a lock, so lines from concurrent tasks never interleave.
    static let standardError = LogSink { line in
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            writeAll(bytes, to: STDERR_FILENO)
        }
    }

    private static let lock = Mutex(())

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
