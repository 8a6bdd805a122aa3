import BayesKit
import Benchmark
import Foundation

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
    Benchmark("nuts.sine4", configuration: nutsConfiguration) { benchmark, posterior in
        let mcmc = MCMC(kernel: NUTS(), chains: 4, warmup: 1000, draws: 1000)
        var last: Chains?
        for i in benchmark.scaledIterations {
            let chains = try mcmc.run(posterior, initial: .given([seed000Start]), seed: UInt64(i), threads: 1)
            blackHole(chains)
            last = chains
            nutsCallSeconds.append(chains.wallSeconds)
        }
        if let last, let folder = ProcessInfo.processInfo.environment["BAYESKIT_BENCH_QUALITY"] {
            try writeNUTSQuality(last, calls: nutsCallSeconds,
                                 to: URL(fileURLWithPath: folder).appendingPathComponent("nuts.sine4.json"))
        }
    } setup: {
        try seed000Posterior()
    }
}

/// Wall time of every NUTS call so far (ordo-one's JMH export drops calls
/// over a second; compare.py reads these from the quality record instead).
nonisolated(unsafe) var nutsCallSeconds: [Double] = []

/// NUTS runs take seconds: one warm-up call, then up to 5 calls or 15 s.
var nutsConfiguration: Benchmark.Configuration {
    .init(metrics: [.wallClock, .throughput], timeUnits: .milliseconds, warmupIterations: 1,
          maxDuration: .seconds(15), maxIterations: 5)
}

/// The quality of the last NUTS run, as the NumPyro peer reports its own
/// (peers/nuts.py): predictive functionals f(x) at 5 points over the data
/// range (min bulk ESS, max R-hat), the RMSE of the predictive mean against
/// sin(x) on 200 points of [-3, 3], gradient evaluations per second.
func writeNUTSQuality(_ chains: Chains, calls: [Double], to url: URL) throws {
    let sine = try Datasets.sine()
    let bnn = try BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1))
    let points = try Predictive.defaultFunctionalInputs(x: sine.x)
    let f = try Predictive.functionals(chains, architecture: bnn.architecture, at: points, threads: 1).summary(threads: 1)
    let grid = linspace(-3, 3, 200)
    let pred = try Predictive.posterior(bnn, chains: chains, inputs: try Matrix(rows: 200, columns: 1, values: grid), threads: 1)
    let mean = pred.mean.column(0)
    let rmse = (zip(mean, grid).map { ($0 - sin($1)) * ($0 - sin($1)) }.reduce(0, +) / 200).squareRoot()
    let minESS = f.compactMap(\.essBulk).min() ?? .nan
    let evals = chains.chainStats.map(\.logDensityEvaluations).reduce(0, +)
    let record: [String: Any] = [
        "call_seconds": calls.count > 1 ? Array(calls.dropFirst()) : calls,  // without the warm-up call
        "seconds": chains.wallSeconds, "min_ess_bulk_functionals": minESS,
        "max_rhat_functionals": f.compactMap(\.rhat).max() ?? .nan, "rmse": rmse,
        "min_ess_per_s": minESS / chains.wallSeconds, "gradient_evals": Double(evals),
        "gradient_evals_per_s": Double(evals) / chains.wallSeconds, "divergences": Double(chains.divergences),
        "sampling_gradient_evals": Double(chains.chainStats.map(\.samplingEvaluations).reduce(0, +)),
    ]
    try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]).write(to: url)
}
