import BayesKit
import Benchmark
import Foundation

/// Seed 001's 60 × 60 grid of (zeta, omega): zeta in linspace(0.02, 0.2, 60)
/// (outer), omega in linspace(0.7, 1.4, 60) (inner), as rows of a
/// 3600 × 2 array, the order of the seed's double loop (peers/ode.py builds
/// the same pairs).
func seedGridParameters() -> [Double] {
    var flat: [Double] = []
    for z in linspace(0.02, 0.2, 60) { for w in linspace(0.7, 1.4, 60) { flat += [z, w] } }
    return flat
}

/// Max |x(t) - closed form| over every solve of a batch (the accuracy column of the table).
func maxClosedFormError(_ batch: ODEBatchSolution, _ params: [Double]) -> Double {
    var worst = 0.0
    for k in 0..<batch.sets {
        let x = batch.trajectory(k, state: 0)
        for (i, t) in batch.times.enumerated() {
            worst = max(worst, abs(x[i] - Datasets.dampedOscillator(t: t, zeta: params[2 * k], omega: params[2 * k + 1])))
        }
    }
    return worst
}

/// `ode.mh`: 10,000 random-walk Metropolis steps on seed 001's oscillator
/// posterior (ζ ~ U(0, 0.25), ω ~ U(0.6, 1.6), σ = 0.05 known, 60
/// observations on [0, 6]), one chain from (0.08, 1.1), fixed per-parameter
/// steps (0.0056, 0.0074: 1.7 x the Laplace sds), no warmup: every step is
/// one rk8pd solve (rtol 1e-8) in C. Peers: the same MH loop in Python with
/// SciPy's solvers (peers/ode.py).
func odeMHBenchmark() {
    Benchmark("ode.mh", configuration: throughputConfiguration) { (benchmark: Benchmark, post: ODEPosterior) in
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 1, diagonal: [0.0056, 0.0074]), chains: 1, warmup: 0,
                        draws: 10_000, adaptScale: false)
        for _ in benchmark.scaledIterations {
            blackHole(try mcmc.run(post, initial: .given([[0.08, 1.1]]), seed: 1, threads: 1))
        }
    } setup: {
        let data = try Datasets.oscillator()
        return try ODEPosterior.oscillator(times: data.x, observations: data.y, noiseSD: 0.05)
    }
}

/// ODE family: the seed 001 grid of oscillator solves (3600 solves on [0, 6]
/// at 60 output times, x(0) = 1, v(0) = 0) with the library's default solver
/// (rk8pd, rtol 1e-8, atol 1e-10), at 1 and 2 threads.
func odeBenchmarks() {
    let times = linspace(0, 6, 60), solver = ODESolver()
    for (id, threads) in [("ode.grid60", 1), ("ode.grid60.threads2", 2)] {
        Benchmark(id, configuration: throughputConfiguration) { benchmark, params in
            for _ in benchmark.scaledIterations {
                blackHole(try solver.solveBatch(.oscillator, flatParameters: params, sets: 3600, initial: [1, 0],
                                                times: times, threads: threads))
            }
        } setup: {
            let params = seedGridParameters()
            if threads == 1 {
                // Not timed: the accuracy the table quotes (stderr, so the JMH export stays clean).
                let batch = try solver.solveBatch(.oscillator, flatParameters: params, sets: 3600, initial: [1, 0],
                                                  times: times, threads: 1)
                FileHandle.standardError.write(Data("ode.grid60: max error vs the closed form \(maxClosedFormError(batch, params))\n".utf8))
            }
            return params
        }
    }
}
