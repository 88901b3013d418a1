import Glibc

/// CPU time of one thread of this process, found by the name it gave itself, from
/// `/proc/self/task/<tid>/stat`: what the pipeline thread spends per input event, apart from the
/// feeder, the alert reader and librdkafka's threads that share the machine with it.
enum ThreadCPU {
    /// The thread's user and system time in seconds; nil when no thread has that name (Linux
    /// keeps 15 bytes of it).
    static func seconds(ofThreadNamed name: String) -> Double? {
        guard let directory = opendir("/proc/self/task") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let tid = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard tid.first?.isNumber == true, read("/proc/self/task/\(tid)/comm")?.split(separator: "\n").first == Substring(name),
                let stat = read("/proc/self/task/\(tid)/stat"), let fields = stat.split(separator: ")").last?.split(separator: " "),
                fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12])
            else { continue }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return String(cString: buffer)
    }
}
