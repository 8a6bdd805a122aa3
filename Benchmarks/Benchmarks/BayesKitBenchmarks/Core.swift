import BayesKit
import Benchmark

/// Core family: random streams.
func coreBenchmarks() {
    // rng.normal: n standard normal draws into a new array (xoshiro256++ via GSL).
    Benchmark("rng.normal", configuration: throughputConfiguration) { benchmark, stream in
        for _ in benchmark.scaledIterations {
            blackHole(try stream.normals(1_000_000))
        }
    } setup: {
        try RandomStream(seed: 20_240_601, stream: 0)
    }
}
