#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a rules directory, read with the C library so the module needs no Foundation.
struct RuleDirectory {
    var sources: [RuleSource] = []
    var lists: [String: Set<String>] = [:]
    /// Every file read, rules and lists, with paths relative to the directory, for the content hash.
    var files: [(path: String, text: String)] = []

    static func read(_ path: String) -> Result<RuleDirectory, Diagnostics> {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let directory = trimmed.isEmpty ? "." : trimmed
        guard let names = FileSystem.entries(of: directory) else {
            return .failure(failure(directory, "cannot read the rules directory"))
        }
        var contents = RuleDirectory()
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            guard let text = FileSystem.regularFileText(directory + "/" + name) else { continue }
            contents.sources.append(RuleSource(path: directory + "/" + name, text: text))
            contents.files.append((name, text))
        }
        contents.readLists(directory + "/lists")
        guard !contents.sources.isEmpty else {
            return .failure(failure(directory, "the rules directory has no .yaml or .yml files"))
        }
        return .success(contents)
    }

    private mutating func readLists(_ directory: String) {
        for name in FileSystem.entries(of: directory) ?? [] where name.hasSuffix(".txt") {
            guard let text = FileSystem.regularFileText(directory + "/" + name) else { continue }
            lists[String(name.dropLast(4))] = ListFile.entries(text)
            files.append(("lists/" + name, text))
        }
    }

    private static func failure(_ path: String, _ message: String) -> Diagnostics {
        let location = SourceLocation(file: path, line: 1, column: 1)
        let diagnostic = Diagnostic(severity: .error, location: location, message: message, sourceLine: "", length: 1)
        return Diagnostics(items: [diagnostic])
    }
}

/// The few file-system calls the compiler needs.
enum FileSystem {
    /// Names in a directory, sorted, without `.` and `..`; `nil` when it cannot be opened.
    static func entries(of path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The contents of a regular file as UTF-8 (invalid bytes replaced); `nil` for anything else.
    static func regularFileText(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
