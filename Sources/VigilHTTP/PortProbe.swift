#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension OpsServerConfiguration {
    /// Why the server could not listen where it is configured to.
    package struct Unavailable: Error, CustomStringConvertible {
        package let description: String
    }

    /// Binds the configured address once and lets it go, so that a busy port is reported before
    /// the replica joins its consumer group: failing after the join would leave a member behind
    /// that holds partitions until the session times out, once per restart of a crash loop.
    package func checkAvailable() throws(Unavailable) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &found)
        guard resolved == 0, let first = found else {
            throw Unavailable(description: "cannot resolve the HTTP address \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard socket >= 0 else { throw unavailable() }
        defer { close(socket) }
        var reuse: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        guard bind(socket, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else { throw unavailable() }
    }

    private func unavailable() -> Unavailable {
        let reason = String(cString: strerror(errno))
        return Unavailable(description: "cannot listen on \(host):\(port) (--http-host, --http-port): \(reason)")
    }
}
