import BayesKit
import Benchmark
import Foundation

/// VAE family (issue 14's benchmark): one training epoch on the 1438
/// training digits (every 5th of the 1797 held out), encoder 64-256-2K,
/// decoder K-256-64 ReLU, Bernoulli decoder, Adam(1e-3), batches of 128, one
/// latent draw per image; the same loop as the PyTorch peer
/// (peers/vae.py). One call is one epoch from freshly initialised weights.
func vaeBenchmarks() {
    for latent in [2, 16] {
        Benchmark("vae.digits.latent\(latent)", configuration: throughputConfiguration) { benchmark, train in
            let model = VAE(latent: latent, hidden: [256], activation: .relu, decoder: .bernoulli, epochs: 1,
                            batchSize: 128, learningRate: 1e-3)
            for i in benchmark.scaledIterations {
                blackHole(try model.fit(train, seed: UInt64(i)))
            }
        } setup: {
            try Digits.split(testEvery: 5).train.images
        }
    }
}
