import CZlib
import Glibc

/// A JSON Lines file of events, gzip-compressed when its name ends in `.gz`.
///
/// zlib's gz* functions do both: they write plain bytes in transparent mode and read plain files
/// as they are, so one type serves `.jsonl` and `.jsonl.gz` alike.
final class EventFile {
    private let handle: gzFile
    let path: String

    static func isCompressed(_ path: String) -> Bool { path.hasSuffix(".gz") }

    /// - Parameter writing: true to create (or truncate) the file.
    init(path: String, writing: Bool) throws(CommandFailure) {
        let mode = writing ? (Self.isCompressed(path) ? "wb6" : "wbT") : "rb"
        guard let handle = gzopen(path, mode) else {
            throw CommandFailure(description: "cannot open \(path) for \(writing ? "writing" : "reading")")
        }
        gzbuffer(handle, 1 << 17)
        self.handle = handle
        self.path = path
    }

    deinit {
        gzclose(handle)
    }

    func write(_ bytes: [UInt8]) throws(CommandFailure) {
        guard !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        guard written == Int32(bytes.count) else { throw CommandFailure(description: "cannot write to \(path): \(errorText)") }
    }

    /// Flushes and closes; later writes fail.
    func finish() throws(CommandFailure) {
        guard gzflush(handle, Z_FINISH) == Z_OK else { throw CommandFailure(description: "cannot finish \(path): \(errorText)") }
    }

    /// Reads up to `buffer.count` decompressed bytes; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CommandFailure) -> Int {
        let count = gzread(handle, buffer.baseAddress, UInt32(buffer.count))
        guard count >= 0 else { throw CommandFailure(description: "cannot read \(path): \(errorText)") }
        return Int(count)
    }

    /// How far into the file as stored (compressed bytes for `.gz`), for progress against its size.
    var storedOffset: Int64 { Int64(gzoffset(handle)) }

    private var errorText: String {
        var code: Int32 = 0
        return gzerror(handle, &code).map { String(cString: $0) } ?? "error \(code)"
    }
}

extension EventFile {
    /// Calls `body` with each non-empty line, without its newline, as a view valid only during the call.
    func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        var carried: [UInt8] = []
        while true {
            let count = try read(into: buffer)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            var start = 0
            while let newline = Self.newline(in: chunk, from: start) {
                try emit(chunk[start..<newline], carried: &carried, body)
                start = newline + 1
            }
            carried.append(contentsOf: chunk[start...])
        }
        if !carried.isEmpty { try carried.withUnsafeBytes(body) }
    }

    private static func newline(in chunk: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < chunk.count, let base = chunk.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), chunk.count - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private func emit(
        _ piece: Slice<UnsafeRawBufferPointer>, carried: inout [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if carried.isEmpty {
            if !piece.isEmpty { try body(UnsafeRawBufferPointer(rebasing: piece)) }
        } else {
            carried.append(contentsOf: piece)
            try carried.withUnsafeBytes(body)
            carried.removeAll(keepingCapacity: true)
        }
    }
}
