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
