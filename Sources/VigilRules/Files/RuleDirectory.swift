#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a rules directory, read with the C library so the module needs no Foundation.
struct RuleDirectory {
    var sources: [RuleSource] = []
    var lists: [String: Set<String>] = [:]
    var tables: [String: LookupTable] = [:]
    /// Every file read, rules, lists and tables, with paths relative to the directory, for the content hash.
    var files: [(path: String, text: String)] = []
    /// Files that are there but cannot be used (unreadable, a dangling link, a directory): errors,
    /// never skipped, since a rule set without them would load with rules silently missing.
    var problems: [Diagnostic] = []
    /// What is wrong in the lists and tables folders: warnings, and the errors of table rows.
    var findings: [Diagnostic] = []

    /// - Parameter parsing: whether to read the lists and tables as well as their text; the
    ///   version poll needs only the text, and parsing a list of a million entries every two
    ///   seconds would keep a core busy.
    static func read(_ path: String, parsing: Bool = true) -> Result<RuleDirectory, Diagnostics> {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let directory = trimmed.isEmpty ? "." : trimmed
        let names: [String]
        switch FileSystem.entries(of: directory) {
        case .success(let found): names = found
        case .failure(let problem):
            let hint = problem.isNotADirectory ? " (pass the directory that holds the rule files)" : ""
            return .failure(Diagnostics(items: [wholeFile(directory, "cannot read the rules directory: \(problem.reason)\(hint)")]))
        }
        var contents = RuleDirectory()
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            guard let text = contents.text(of: directory + "/" + name) else { continue }
            contents.sources.append(RuleSource(path: directory + "/" + name, text: text))
            contents.files.append((name, text))
        }
        contents.readLists(directory + "/lists", parsing: parsing)
        contents.readTables(directory + "/tables", parsing: parsing)
        guard !contents.sources.isEmpty || !contents.problems.isEmpty else {
            return .failure(Diagnostics(items: [wholeFile(directory, "the rules directory has no .yaml or .yml files")]))
        }
        return .success(contents)
    }

    private mutating func readLists(_ directory: String, parsing: Bool) {
        for (name, fileName, path, text) in namedFiles(in: directory, kind: "named lists", noun: "a list") {
            files.append(("lists/" + fileName, text))
            guard parsing else { continue }
            let contents = ListFile.read(SourceFile(path: path, text: text))
            lists[name] = contents.entries
            findings += contents.warnings
        }
    }

    private mutating func readTables(_ directory: String, parsing: Bool) {
        for (name, fileName, path, text) in namedFiles(in: directory, kind: "tables", noun: "a table") {
            files.append(("tables/" + fileName, text))
            guard parsing else { continue }
            let (table, diagnostics) = TableFile.read(SourceFile(path: path, text: text), name: name)
            tables[name] = table
            findings += diagnostics
        }
    }

    /// The `.txt` files of a folder whose names rules can use, read; anything else is a warning.
    /// A folder that is not there holds nothing.
    private mutating func namedFiles(
        in directory: String, kind: String, noun: String
    ) -> [(name: String, fileName: String, path: String, text: String)] {
        guard case .success(let names) = FileSystem.entries(of: directory) else { return [] }
        var found: [(name: String, fileName: String, path: String, text: String)] = []
        for fileName in names where !fileName.hasPrefix(".") {
            let path = directory + "/" + fileName
            guard fileName.hasSuffix(".txt") else {
                findings.append(Self.wholeFile(path, "ignored: \(kind) are .txt files", severity: .warning))
                continue
            }
            let name = String(fileName.dropLast(4))
            guard ListFile.isUsableName(name) else {
                let message = "ignored: '\(name)' cannot be named in a rule; \(noun)'s name is letters, digits and _"
                findings.append(Self.wholeFile(path, message, severity: .warning))
                continue
            }
            guard let text = text(of: path) else { continue }
            found.append((name, fileName, path, text))
        }
        return found
    }

    /// The file's text, or `nil` with the reason recorded as a problem.
    private mutating func text(of path: String) -> String? {
        switch FileSystem.regularFileText(path) {
        case .success(let text): return text
        case .failure(let problem):
            problems.append(Self.wholeFile(path, "cannot read: \(problem.reason)"))
            return nil
        }
    }

    /// A finding about a file or directory as a whole, not a line in it.
    static func wholeFile(_ path: String, _ message: String, severity: DiagnosticSeverity = .error) -> Diagnostic {
        Diagnostic(severity: severity, location: SourceLocation(file: path, line: 0, column: 0), message: message, sourceLine: "", length: 1)
    }
}

/// The few file-system calls the compiler needs.
enum FileSystem {
    /// Why a path could not be read, in the words of the C library.
    struct Problem: Error {
        let reason: String
        var isNotADirectory = false

        /// The message of the current `errno`.
        static func fromErrno() -> Problem {
            let code = errno
            return Problem(reason: String(cString: strerror(code)), isNotADirectory: code == ENOTDIR)
        }
    }

    /// Names in a directory, sorted, without `.` and `..`.
    static func entries(of path: String) -> Result<[String], Problem> {
        guard let directory = opendir(path) else { return .failure(.fromErrno()) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return .success(names.sorted())
    }

    /// The contents of a regular file (or a link to one) as UTF-8, invalid bytes replaced.
    static func regularFileText(_ path: String) -> Result<String, Problem> {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let problem = Problem.fromErrno()
            var link = stat()
            let dangling = errno == ENOENT && lstat(path, &link) == 0
            return .failure(dangling ? Problem(reason: "a symbolic link to a file that does not exist") : problem)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            let kind = (status.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            return .failure(Problem(reason: "it is \(kind)"))
        }
        guard let file = fopen(path, "rb") else { return .failure(.fromErrno()) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        guard ferror(file) == 0 else { return .failure(.fromErrno()) }
        return .success(String(decoding: normalized(bytes), as: UTF8.self))
    }

    /// Without a UTF-8 byte order mark, and with old Mac line ends (a lone carriage return) as line
    /// feeds: spreadsheets export both, and the mark would become part of a list's first entry,
    /// and a file of carriage returns one long line, so that entries never match.
    private static func normalized(_ bytes: [UInt8]) -> [UInt8] {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        guard body.contains(UInt8(ascii: "\r")) else { return Array(body) }
        var result: [UInt8] = []
        result.reserveCapacity(body.count)
        for (index, byte) in zip(body.indices, body) {
            let isLoneReturn = byte == UInt8(ascii: "\r") && (index + 1 == body.endIndex || body[index + 1] != UInt8(ascii: "\n"))
            result.append(isLoneReturn ? UInt8(ascii: "\n") : byte)
        }
        return result
    }
}
