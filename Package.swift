// swift-tools-version: 6.1
import PackageDescription

/// libomp 19's `omp.h` is not on clang's default search path (see DESIGN.md).
let ompInclude = "/usr/lib/llvm-19/lib/clang/19/include"

let package = Package(
    name: "BayesKit",
    products: [
        .library(name: "BayesKit", targets: ["BayesKit"]),
        .executable(name: "bayeskit", targets: ["bayeskit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `make docs`: the DocC catalogue in Sources/BayesKit/BayesKit.docc (build-time plugin only).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C kernels: top-level csrc/ and include/ (SwiftPM needs path "." for that layout).
        .target(
            name: "CBayesKit",
            path: ".",
            sources: ["csrc"],
            publicHeadersPath: "include",
            cSettings: [
                .headerSearchPath("csrc/core"),
                // -fno-math-errno: sqrt/log never set errno (BayesKit never reads it), so loops
                // calling them vectorize; every result is bit-identical.
                .unsafeFlags(["-fopenmp", "-idirafter", ompInclude, "-std=c11", "-Wall", "-Wextra",
                              "-Wno-unused-parameter", "-fno-math-errno"]),
                .unsafeFlags(["-O3"], .when(configuration: .release)),
            ],
            linkerSettings: [
                .linkedLibrary("omp5"),
                .linkedLibrary("gsl"),
                .linkedLibrary("openblas"),
                .linkedLibrary("m"),
            ]
        ),
        .target(
            name: "BayesKit",
            dependencies: ["CBayesKit"],
            path: "Sources/BayesKit"
        ),
        .target(
            name: "BayesKitCLI",
            dependencies: [
                "BayesKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/BayesKitCLI"
        ),
        .executableTarget(
            name: "bayeskit",
            dependencies: ["BayesKitCLI"],
            path: "Sources/bayeskit"
        ),
        .testTarget(name: "CBayesKitTests", dependencies: ["CBayesKit"], path: "Tests/CBayesKitTests"),
        .testTarget(name: "BayesKitTests", dependencies: ["BayesKit"], path: "Tests/BayesKitTests"),
        .testTarget(name: "CLITests", dependencies: ["BayesKitCLI", "BayesKit"], path: "Tests/CLITests"),
    ]
)
