import Hummingbird
package import Logging
package import Prometheus
import ServiceLifecycle

/// Where the operations server listens and how it guards the admin endpoints.
package struct OpsServerConfiguration: Sendable {
    package var host: String
    package var port: Int
    /// The bearer token `/rules` requires; nil leaves the admin endpoints open (for a private network
    /// only). An empty token locks them, since no request can present it.
    package var adminToken: String?

    package init(host: String = "0.0.0.0", port: Int = 8080, adminToken: String? = nil) {
        self.host = host
        self.port = port
        self.adminToken = adminToken
    }
}

/// A replica's operations HTTP server: liveness, readiness, Prometheus metrics and rule administration.
///
/// It runs as one more service of the application's `ServiceGroup` and stops on its graceful shutdown.
package struct OpsServer: Service {
    let configuration: OpsServerConfiguration
    let health: any HealthSource
    let admin: any RuleAdmin
    let metrics: PrometheusCollectorRegistry
    let processMetrics: ProcessMetrics
    let logger: Logger

    package init(
        configuration: OpsServerConfiguration,
        health: any HealthSource,
        admin: any RuleAdmin,
        metrics: PrometheusCollectorRegistry,
        logger: Logger
    ) {
        self.configuration = configuration
        self.health = health
        self.admin = admin
        self.metrics = metrics
        self.processMetrics = ProcessMetrics(registry: metrics)
        self.logger = logger
    }

    package func run() async throws {
        try await makeApplication().run()
    }

    /// - Parameter onServerRunning: told the bound port once the server listens (port 0 picks a free one).
    func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}
