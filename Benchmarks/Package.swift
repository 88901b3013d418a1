// swift-tools-version:6.1
import PackageDescription

/// The identity SwiftPM gives the main package, depended on by path: its directory name, lower-cased.
let mainPackage = Context.packageDirectory.split(separator: "/").dropLast().last.map { $0.lowercased() } ?? "vigil"

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // The hot path's cross-module API is `package`-scoped, and SwiftPM gives every package its own
    // package-access domain; the benchmarks are the one client allowed to reach in.
    .unsafeFlags(["-Xfrontend", "-disable-access-control"]),
]

let package = Package(
    name: "VigilBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", .upToNextMinor(from: "0.2.0")),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The workload and the runs shared by the benchmarks and the profiling tool.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "VigilHotPath", package: mainPackage)],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VigilHotPath", package: mainPackage),
            ],
            path: "Benchmarks/EngineBenchmarks",
            swiftSettings: settings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // One slice of the workload through one part of the hot path, for `valgrind --tool=callgrind`.
        .executableTarget(
            name: "HotPathProfile",
            dependencies: ["BenchmarkSupport", .product(name: "VigilHotPath", package: mainPackage)],
            swiftSettings: settings
        ),
        // The suite's frame: scenario reports, the printed table and the run's JSON file.
        .target(name: "SuiteReport", swiftSettings: settings),
        // Scenarios that need a process of their own (Kafka on loopback, resident memory), run by
        // scripts/benchmark outside the test run: `VigilSuite end-to-end|memory|report`.
        .executableTarget(
            name: "VigilSuite",
            dependencies: [
                "BenchmarkSupport",
                "SuiteReport",
                .product(name: "VigilHotPath", package: mainPackage),
                .product(name: "VigilStream", package: mainPackage),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
    ]
)
