import ArgumentParser
import Foundation
import VigilHTTP

/// The replica's HTTP surface: health, readiness, metrics and rule administration.
struct OpsOptions: ParsableArguments {
    @Option(help: "Port of the HTTP server for /healthz, /readyz, /metrics and /rules (0 turns it off).")
    var httpPort = 8080

    @Option(help: "Address the HTTP server binds to.")
    var httpHost = "0.0.0.0"

    @Option(help: "A file holding the bearer token that /rules and /rules/reload require (a flag would show in ps).")
    var adminTokenFile: String?

    /// The server's configuration, or nil when it is turned off.
    func configuration() throws -> OpsServerConfiguration? {
        guard httpPort > 0 else { return nil }
        let token = try adminTokenFile.map { path in
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return OpsServerConfiguration(host: httpHost, port: httpPort, adminToken: token)
    }
}
