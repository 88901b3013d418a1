// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // librdkafka, linked from the system (Debian: librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Leaves: standard library only (plus Yams for rule files).
        .target(name: "VigilValues", swiftSettings: upcoming),
        .target(name: "VigilEvents", dependencies: ["VigilValues"], swiftSettings: upcoming),
        .target(
            name: "VigilRules",
            dependencies: ["VigilValues", .product(name: "Yams", package: "Yams")],
            swiftSettings: upcoming
        ),
        .target(name: "VigilWindows", dependencies: ["VigilValues"], swiftSettings: upcoming),
        // Seeded synthetic payment traffic with planted fraud, for the demo, tests and benchmarks.
        .target(name: "VigilTraffic", swiftSettings: upcoming),
        // Typed Swift over librdkafka; knows nothing about payments.
        .target(
            name: "VigilKafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: upcoming
        ),
        // The hot path: decode → windows → rules → alerts. Synchronous, no I/O.
        .target(
            name: "VigilEngine",
            dependencies: ["VigilValues", "VigilEvents", "VigilRules", "VigilWindows"],
            swiftSettings: upcoming
        ),
        // Kafka in, engine, Kafka out; delivery guarantees, dead letters, shutdown.
        .target(
            name: "VigilPipeline",
            dependencies: [
                "VigilKafka", "VigilEngine", "VigilEvents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilPipeline", "VigilTraffic",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        // Test support: imported by Tests/ only.
        .target(
            name: "VigilTesting",
            dependencies: ["VigilKafka", "VigilEngine", "VigilRules", .product(name: "Logging", package: "swift-log")],
            swiftSettings: upcoming
        ),
        .testTarget(name: "VigilValuesTests", dependencies: ["VigilValues"], swiftSettings: upcoming),
        .testTarget(name: "VigilEventsTests", dependencies: ["VigilEvents"], swiftSettings: upcoming),
        .testTarget(
            name: "VigilRulesTests", dependencies: ["VigilRules"], resources: [.copy("Fixtures")], swiftSettings: upcoming
        ),
        .testTarget(name: "VigilWindowsTests", dependencies: ["VigilWindows"], swiftSettings: upcoming),
        .testTarget(name: "VigilKafkaTests", dependencies: ["VigilKafka", "VigilTesting"], swiftSettings: upcoming),
        .testTarget(
            name: "VigilEngineTests", dependencies: ["VigilEngine", "VigilEvents", "VigilRules", "VigilTesting"], swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilPipelineTests",
            dependencies: ["VigilPipeline", "VigilRules", "VigilKafka", "VigilEngine", "VigilTesting", "VigilTraffic"],
            swiftSettings: upcoming
        ),
        .testTarget(name: "VigilCLITests", dependencies: ["vigil", "VigilKafka", "VigilTesting"], swiftSettings: upcoming),
    ]
)
