import BayesKit
import Benchmark

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
