// swift-tools-version: 6.1
import PackageDescription

// BayesKit's benchmarks live in their own package so that `swift build` and
// `swift test` of the library never fetch or build ordo-one/benchmark.
// Run them with `bash Benchmarks/run.sh` (see README.md).
let package = Package(
    name: "BayesKitBenchmarks",
    dependencies: [
        // Named, so a clone in a folder not called "BayesKit" still resolves.
        .package(name: "BayesKit", path: ".."),
        // Only the MallocInterposer trait: the default set also turns on
        // RuntimeInterposer, whose package is not needed here.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // One executable per suite; the plugin finds them under Benchmarks/.
        .executableTarget(
            name: "BayesKitBenchmarks",
            dependencies: [
                .product(name: "BayesKit", package: "BayesKit"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/BayesKitBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
