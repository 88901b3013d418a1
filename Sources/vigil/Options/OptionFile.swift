import Foundation

/// Files named by options, read with errors that name the option, the path and the reason.
enum OptionFile {
    static func text(_ path: String, option: String) throws(CommandFailure) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CommandFailure(description: "cannot read the \(option) file \(path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        let isRegular = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        close(descriptor)
        guard isRegular else { throw CommandFailure(description: "cannot read the \(option) file \(path): it is not a regular file") }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure(description: "cannot read the \(option) file \(path): it is not UTF-8 text")
        }
    }
}
