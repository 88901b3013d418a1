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
    ]
)
