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
}
