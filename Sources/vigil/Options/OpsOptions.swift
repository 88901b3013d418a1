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

    /// The server's configuration, or nil when it is turned off; fails when its port is taken.
    func configuration() throws -> OpsServerConfiguration? {
        guard httpPort > 0 else { return nil }
        let token = try adminTokenFile.map { path in
            let token = try OptionFile.text(path, option: "--admin-token-file").trimmingCharacters(in: .whitespacesAndNewlines)
            // An empty token would make /rules refuse every request, with nothing said at start.
            guard !token.isEmpty else { throw CommandFailure(description: "the --admin-token-file file \(path) is empty: it must hold the token") }
            return token
        }
        let configuration = OpsServerConfiguration(host: httpHost, port: httpPort, adminToken: token)
        do {
            try configuration.checkAvailable()
        } catch {
            throw CommandFailure(description: error.description)
        }
        return configuration
    }
}
