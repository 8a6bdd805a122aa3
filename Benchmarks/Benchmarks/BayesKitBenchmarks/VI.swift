import BayesKit
import Benchmark
import Foundation

/// VI family: seed 000's mean-field VI (1-5-1 ReLU on the 20 sine points,
/// means N(0, 0.1²), log σ = −3, prior N(0, 1), noise 0.1, 5 samples,
/// closed-form KL, Adam lr 0.01, 3000 epochs: `MeanFieldVI()`'s defaults), one thread.
func viBenchmarks() {
    Benchmark("vi.seed000", configuration: throughputConfiguration) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        for i in benchmark.scaledIterations {
            blackHole(try MeanFieldVI().fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                            x: data.x, y: data.y, seed: UInt64(i), threads: 1))
        }
    } setup: {
        try Datasets.sine()
    }
    viSeed001Benchmark()
    vi100kBenchmark()
}

/// Issue 8's large-data row: mean-field VI of a 4-50-1 ReLU network on
/// 100,000 rows (`x_ij = sin(0.001 (i+1)(j+1) + j)`, `y_i = Σ_j sin(2 x_ij) +
/// 0.1 sin(7919 (i+1))`, computed the same way by the peer), one sample per
/// step, closed-form KL, Adam 1e-3, batches of 128, 10 epochs, one thread.
func vi100kBenchmark() {
    Benchmark("vi.bbb100k", configuration: .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1,
                                                 maxDuration: .seconds(10), maxIterations: 5)) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [4, 50, 1], activation: .relu)
        let method = MeanFieldVI(samples: 1, epochs: 10, learningRate: 1e-3, batchSize: 128)
        for i in benchmark.scaledIterations {
            blackHole(try method.fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                     x: data.x, y: data.y, seed: UInt64(i), threads: 1))
        }
    } setup: {
        let n = 100_000
        var x = [Double](), y = [Double]()
        x.reserveCapacity(4 * n)
        for i in 0..<n {
            var s = 0.0
            for j in 0..<4 {
                let v = Foundation.sin(0.001 * Double(i + 1) * Double(j + 1) + Double(j))
                x.append(v)
                s += Foundation.sin(2 * v)
            }
            y.append(s + 0.1 * Foundation.sin(7919 * Double(i + 1)))
        }
        return (x: try Matrix(rows: n, columns: 4, values: x), y: try Matrix(rows: n, columns: 1, values: y))
    }
}

/// Seed 001's Bayes by Backprop on the oscillator: 1-64-64-1 tanh, softplus
/// ρ = −3, Monte Carlo KL, 6 samples, Adam lr 5e-3, 3500 epochs, time scaled
/// to [−1, 1] over the data window, one thread (`BBBOscillatorStudy.method`).
func viSeed001Benchmark() {
    Benchmark("vi.seed001", configuration: .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1,
                                                maxDuration: .seconds(10), maxIterations: 5)) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [1, 64, 64, 1], activation: .tanh)
        for i in benchmark.scaledIterations {
            blackHole(try BBBOscillatorStudy.method(epochs: 3500).fit(
                architecture: arch, likelihood: .gaussian(sigma: data.noiseStd), prior: .normal(std: 1), x: data.x, y: data.y,
                inputScaling: try InputScaling(shift: [3], scale: [3]), seed: UInt64(i), threads: 1))
        }
    } setup: {
        try Datasets.oscillator()
    }
}
