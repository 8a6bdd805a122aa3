import BayesKit
import Benchmark

/// Distributions family: densities evaluated over many points.
func distributionBenchmarks() {
    // normal.logDensity: log N(x | 0, 1) at n = 1e6 standard normal points, into a new array.
    Benchmark("normal.logDensity", configuration: throughputConfiguration) { benchmark, xs in
        let normal = try Normal(mean: 0, sd: 1)
        for _ in benchmark.scaledIterations {
            blackHole(normal.logDensity(xs))
        }
    } setup: {
        try RandomStream(seed: 20_240_602, stream: 0).normals(1_000_000)
    }
}
