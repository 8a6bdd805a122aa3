import BayesKit
import Benchmark
import Foundation

/// The benchmark data of the linear rows, reproduced exactly by
/// peers/linear.py: x on an even grid over [-1, 1], y = sin(3x) plus a
/// deterministic pseudo-noise 0.1·sin(12345.678·i), so both sides fit the
/// same numbers.
func linearData(_ n: Int) -> (x: [Double], y: [Double]) {
    let x = (0..<n).map { -1 + 2 * Double($0) / Double(n - 1) }
    let y = (0..<n).map { sin(3 * x[$0]) + 0.1 * sin(12345.678 * Double($0)) }
    return (x, y)
}

/// Linear family: closed-form Bayesian linear regression at scale, and the
/// seed 001 evidence sweep.
func linearBenchmarks() {
    let n = 1_000_000
    // blr.fit: degree-9 polynomial basis (10 functions), alpha 1, beta 25, n = 1e6.
    Benchmark("blr.fit", configuration: throughputConfiguration) { benchmark, data in
        let model = BayesianLinearRegression(basis: .polynomial(degree: 9), alpha: 1, beta: 25)
        for _ in benchmark.scaledIterations {
            blackHole(try model.fit(data.x, data.y))
        }
    } setup: {
        linearData(n)
    }
    // blr.fitPredict: the fit, then predictive mean and variance at the same 1e6 inputs.
    Benchmark("blr.fitPredict", configuration: throughputConfiguration) { benchmark, data in
        let model = BayesianLinearRegression(basis: .polynomial(degree: 9), alpha: 1, beta: 25)
        for _ in benchmark.scaledIterations {
            blackHole(try model.fit(data.x, data.y).predict(data.x))
        }
    } setup: {
        linearData(n)
    }
    // blr.evidenceSweep: seed 001's log evidence for polynomial degrees 0..9 on 10 points.
    Benchmark("blr.evidenceSweep", configuration: throughputConfiguration) { benchmark, data in
        for _ in benchmark.scaledIterations {
            blackHole(try ModelSelection.polynomialDegrees(Array(0...9), alpha: 0.005, beta: 1 / (0.3 * 0.3),
                                                           x: data.x, y: data.y))
        }
    } setup: {
        try Datasets.sinusoidEvidence()
    }
}
