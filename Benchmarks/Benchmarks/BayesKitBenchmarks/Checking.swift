import BayesKit
import Benchmark
import Foundation

/// Model checking (issue 17's benchmark): PSIS-LOO of a 4 x 1000 x 10,000
/// log-likelihood computed as the ArviZ peer computes it (peers/checking.py):
/// `mu_s = 0.1 sin(s + 1)`, `y_i = sin(0.37 (i + 1))`, `log N(y_i | mu_s, 1)`;
/// relative efficiency from the 4 chains, then PSIS-LOO; one thread.
func checkingBenchmarks() {
    Benchmark("loo.psis", configuration: .init(metrics: [.wallClock, .throughput], timeUnits: .milliseconds, warmupIterations: 1,
                                               maxDuration: .seconds(15), maxIterations: 5)) { benchmark, ll in
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            let reff = try ModelChecking.relativeEfficiency(logLikelihood: ll, chains: 4)
            blackHole(try ModelChecking.loo(logLikelihood: ll, relativeEfficiency: reff, threads: 1))
            looCallSeconds.append(seconds(since: start))
        }
        // Calls take about a second or more: recorded for compare.py (ordo-one's export drops them).
        try writeCallSeconds(looCallSeconds, id: "loo.psis")
    } setup: {
        try looMatrix()
    }
}

nonisolated(unsafe) var looCallSeconds: [Double] = []

func looMatrix() throws -> Matrix {
    let s = 4000, n = 10_000
    let y = (0..<n).map { Foundation.sin(0.37 * Double($0 + 1)) }
    var v = [Double](repeating: 0, count: s * n)
    let c = 0.5 * Foundation.log(2 * Double.pi)
    for d in 0..<s {
        let mu = 0.1 * Foundation.sin(Double(d + 1))
        for i in 0..<n { v[d * n + i] = -0.5 * (y[i] - mu) * (y[i] - mu) - c }
    }
    return try Matrix(rows: s, columns: n, values: v)
}
