import BayesKit
import Benchmark

/// The weights every peer starts seed 000's chain from (the notebook's state
/// after its 200 Adam steps, in PyTorch's flat order, which BayesKit shares).
let seed000Start: [Double] = [
    -0.0508495457470417, -0.4964839220046997, 0.8101027607917786, -0.2901822626590729, -0.730105996131897,
    -0.37015295028686523, 0.5338414311408997, 1.016669750213623, 0.8259315490722656, -0.8483035564422607,
    0.10640634596347809, -0.8030043244361877, 0.3082253038883209, 0.2594400942325592, 0.49073755741119385,
    -0.2058260291814804,
]

/// Seed 000's posterior: 1-5-1 ReLU, N(0, 1) on every weight, Gaussian noise 0.1, the 20 sine points.
func seed000Posterior() throws -> BNNPosterior {
    let sine = try Datasets.sine()
    return try BNNPosterior(architecture: try NetworkArchitecture(layers: [1, 5, 1], activation: .relu),
                            likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1), x: sine.x, y: sine.y)
}

/// MCMC family: the seed's random-walk MH (10,000 steps, sd 0.01, thin 10),
/// one chain, and 8 chains at 1 and 2 threads. Draws stay in memory (1,000
/// kept per chain), as the peers keep theirs.
func mcmcBenchmarks() {
    func run(chains: Int, threads: Int, _ benchmark: Benchmark, _ posterior: BNNPosterior) throws {
        let mcmc = MCMC.seed000(chains: chains)
        for i in benchmark.scaledIterations {
            blackHole(try mcmc.run(posterior, initial: .given([seed000Start]), seed: UInt64(i), threads: threads))
        }
    }
    Benchmark("mh.seed000", configuration: throughputConfiguration) { benchmark, posterior in
        try run(chains: 1, threads: 1, benchmark, posterior)
    } setup: {
        try seed000Posterior()
    }
    Benchmark("mh.chains8", configuration: throughputConfiguration) { benchmark, posterior in
        try run(chains: 8, threads: 1, benchmark, posterior)
    } setup: {
        try seed000Posterior()
    }
    Benchmark("mh.chains8.threads2", configuration: throughputConfiguration) { benchmark, posterior in
        try run(chains: 8, threads: 2, benchmark, posterior)
    } setup: {
        try seed000Posterior()
    }
}
