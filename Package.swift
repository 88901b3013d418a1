// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        // The hot path without Kafka, for the benchmark package in Benchmarks/.
        .library(
            name: "VigilHotPath",
            targets: ["VigilValues", "VigilEvents", "VigilRules", "VigilWindows", "VigilEngine", "VigilTraffic"]
        ),
        // Kafka and the pipeline, for the end-to-end benchmarks in Benchmarks/ (loopback, mock cluster).
        .library(name: "VigilStream", targets: ["VigilKafka", "VigilPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from the system (Debian: librdkafka-dev, zlib1g-dev).
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // A cache prefetch hint, which Swift does not expose.
        .target(name: "CPrefetch"),

        // Leaves: standard library only (plus Yams for rule files).
        .target(name: "VigilValues", swiftSettings: upcoming),
        .target(name: "VigilEvents", dependencies: ["VigilValues"], swiftSettings: upcoming),
        .target(name: "VigilRules", dependencies: ["VigilValues", .product(name: "Yams", package: "Yams")], swiftSettings: upcoming),
        .target(name: "VigilWindows", dependencies: ["VigilValues", "CPrefetch"], swiftSettings: upcoming),
        // Seeded synthetic payment traffic with planted fraud, for the demo, gen, tests and benchmarks.
        .target(name: "VigilTraffic", swiftSettings: upcoming),

        // Typed Swift over librdkafka; knows nothing about payments.
        .target(name: "VigilKafka", dependencies: ["CRdKafka", "VigilValues", logging], swiftSettings: upcoming),
        // The hot path: decode → windows → rules → alerts. Synchronous, no I/O.
        .target(name: "VigilEngine", dependencies: ["VigilValues", "VigilEvents", "VigilRules", "VigilWindows"], swiftSettings: upcoming),
        // Kafka in, engine, Kafka out; delivery guarantees, dead letters, reloads, health, metrics.
        .target(
            name: "VigilPipeline",
            dependencies: ["VigilKafka", "VigilEngine", "VigilEvents", "VigilValues", "VigilWindows", "CZlib", logging, metrics, lifecycle],
            swiftSettings: upcoming
        ),
        // Operations HTTP server: health, readiness, Prometheus metrics, rule admin. Knows no pipeline types.
        .target(
            name: "VigilHTTP",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), prometheus, metrics, logging, lifecycle],
            swiftSettings: upcoming
        ),
        // Log lines for the executable, text or JSON, with card numbers masked.
        .target(name: "VigilLogging", dependencies: ["VigilValues", logging], swiftSettings: upcoming),
        // The command line: wiring and presentation only.
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilPipeline", "VigilHTTP", "VigilLogging", "VigilRules", "VigilKafka", "VigilEngine", "VigilEvents",
                "VigilValues", "VigilTraffic", "CZlib", logging, lifecycle, prometheus,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),

        // Test support: imported by Tests/ only.
        .target(name: "VigilTesting", dependencies: ["VigilKafka", "VigilEngine", "VigilRules", logging], swiftSettings: upcoming),
        .testTarget(name: "VigilValuesTests", dependencies: ["VigilValues"], swiftSettings: upcoming),
        .testTarget(name: "VigilEventsTests", dependencies: ["VigilEvents"], swiftSettings: upcoming),
        .testTarget(
            name: "VigilRulesTests", dependencies: ["VigilRules"], resources: [.copy("Fixtures")], swiftSettings: upcoming
        ),
        .testTarget(name: "VigilWindowsTests", dependencies: ["VigilWindows"], swiftSettings: upcoming),
        .testTarget(name: "VigilKafkaTests", dependencies: ["VigilKafka", "VigilTesting"], swiftSettings: upcoming),
        .testTarget(
            name: "VigilEngineTests", dependencies: ["VigilEngine", "VigilEvents", "VigilRules", "VigilTesting", "VigilTraffic", "VigilWindows"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilPipelineTests",
            dependencies: [
                "VigilPipeline", "VigilRules", "VigilKafka", "VigilEngine", "VigilTesting", "VigilTraffic",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilHTTPTests",
            dependencies: ["VigilHTTP", .product(name: "Hummingbird", package: "hummingbird"), prometheus, metrics, logging, lifecycle],
            swiftSettings: upcoming
        ),
        .testTarget(name: "VigilLoggingTests", dependencies: ["VigilLogging"], swiftSettings: upcoming),
        .testTarget(name: "VigilCLITests", dependencies: ["vigil", "VigilKafka", "VigilEngine", "VigilTesting", "VigilTraffic"], swiftSettings: upcoming),
    ]
)
