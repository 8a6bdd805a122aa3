internal import CBayesKit
import Foundation

/// Where chains start.
public enum Initialization: Sendable, Equatable {
    /// The given positions: one per chain, or a single one shared by every chain.
    case given([[Double]])
    /// A draw from the weight prior per chain (BNN posteriors only), chain
    /// `k` from random stream `2³² + k` of the run's seed.
    case prior
    /// Maximum a posteriori: `steps` Adam steps on `−log p(θ | D)` from
    /// PyTorch's default initialisation (stream `2³² + k` for chain `k`).
    case map(steps: Int = 200, learningRate: Double = 0.01)
    /// Seed 000's recipe: `steps` Adam steps on the mean squared error,
    /// without the prior, from PyTorch's default initialisation. Needs the
    /// data: use `run(_:x:y:temperature:initial:...)` with the BNN and its data.
    case mse(steps: Int = 200, learningRate: Double = 0.01)
}

/// The multi-chain MCMC driver (NumPyro's `MCMC`, Stan's sampler settings):
/// `chains` chains of `kernel`, each `warmup` iterations with proposal-scale
/// adaptation toward `targetAcceptance` (when `adaptScale`), then `draws`
/// iterations of which every `thin`-th is kept (iteration `i` when
/// `i % thin == 0`, so `⌈draws/thin⌉` draws per chain). Chains run in
/// parallel (OpenMP, the C core); chain `k` uses random stream `k` of the
/// seed, so the draws do not depend on the thread count.
///
/// ```swift
/// let chains = try MCMC(kernel: RandomWalkMetropolis(scale: 0.01), chains: 4, warmup: 1000, draws: 1000)
///     .run(posterior, initial: .prior, seed: 1)
/// let table = try chains.summary()
/// ```
public struct MCMC: Sendable {
    public var kernel: any MCMCKernel
    public var chains: Int
    public var warmup: Int
    public var draws: Int
    public var thin: Int
    public var adaptScale: Bool
    public var targetAcceptance: Double

    public init(kernel: any MCMCKernel, chains: Int = 4, warmup: Int = 1000, draws: Int = 1000, thin: Int = 1,
                adaptScale: Bool = true, targetAcceptance: Double = 0.234) {
        self.kernel = kernel
        self.chains = chains
        self.warmup = warmup
        self.draws = draws
        self.thin = thin
        self.adaptScale = adaptScale
        self.targetAcceptance = targetAcceptance
    }

    /// Seed 000's sampler: random walk with step 0.01, no warmup or
    /// adaptation, 10,000 iterations keeping every 10th (1,000 draws) per
    /// chain. Start it with `.mse(steps: 200, learningRate: 0.01)`.
    public static func seed000(chains: Int = 1) -> MCMC {
        MCMC(kernel: RandomWalkMetropolis(scale: 0.01), chains: chains, warmup: 0, draws: 10_000, thin: 10, adaptScale: false)
    }

    /// Number of kept draws per chain, `⌈draws/thin⌉`.
    public var keptDraws: Int { thin >= 1 && draws >= 0 ? (draws + thin - 1) / thin : 0 }

    func validate() throws {
        guard chains >= 1 else { throw BayesKitError.invalidArgument("chains must be >= 1; got \(chains)") }
        guard warmup >= 0 else { throw BayesKitError.invalidArgument("warmup must be >= 0; got \(warmup)") }
        guard draws >= 0 else { throw BayesKitError.invalidArgument("draws must be >= 0; got \(draws)") }
        guard thin >= 1 else { throw BayesKitError.invalidArgument("thin must be >= 1; got \(thin)") }
        if adaptScale && warmup > 0 {
            guard targetAcceptance > 0, targetAcceptance < 1 else {
                throw BayesKitError.invalidArgument("target acceptance must be in (0, 1); got \(targetAcceptance)")
            }
        }
    }

    /// Samples a BNN posterior. `drawsFolder`: stream each chain to
    /// `folder/chain-k.bkd` and write `folder/manifest.json` (memory stays
    /// bounded); the draws are also kept in memory when `keepInMemory` is
    /// true (default: only without a folder). `progress` must have `chains`
    /// tasks; cancelling it stops the chains (the result has `complete == false`).
    /// `.mse` needs the data: use `run(_:x:y:temperature:initial:...)`.
    public func run(_ posterior: BNNPosterior, initial: Initialization = .map(), seed: UInt64 = 0, threads: Int? = nil,
                    drawsFolder: URL? = nil, keepInMemory: Bool? = nil, progress: ProgressCounter? = nil) throws -> Chains {
        try validate()
        let starts: [[Double]]
        switch initial {
        case .given(let p):
            starts = try Self.expand(p, chains: chains, dimension: posterior.dimension)
        case .prior:
            starts = try (0..<chains).map { k in
                try posterior.prior.sample(architecture: posterior.architecture, likelihood: posterior.likelihood,
                                           stream: RandomStream(seed: seed, stream: Self.initStream + UInt64(k)))
            }
        case .map(let steps, let lr):
            starts = try (0..<chains).map { k in
                let w0 = try Self.defaultStart(posterior, seed: seed, chain: k)
                return try posterior.fitMAP(initial: w0, optimizer: Adam(learningRate: lr), steps: steps).weights
            }
        case .mse:
            throw BayesKitError.invalidArgument(
                "initialisation by a mean-squared-error fit needs the data; call run(_:x:y:initial:...) with the BNN and its data")
        }
        return try run(binding: ModelBinding(posterior, chains: chains), starts: starts, seed: seed, threads: threads,
                       drawsFolder: drawsFolder, keepInMemory: keepInMemory, progress: progress)
    }

    /// Samples the posterior of `bnn` on data `x` (`n × w₀`), `y`, with any
    /// ``Initialization`` including seed 000's `.mse`.
    public func run(_ bnn: BNN, x: Matrix, y: Matrix, temperature: Double = 1, initial: Initialization = .map(),
                    seed: UInt64 = 0, threads: Int? = nil, drawsFolder: URL? = nil, keepInMemory: Bool? = nil,
                    progress: ProgressCounter? = nil) throws -> Chains {
        try validate()
        let posterior = try bnn.posterior(x: x, y: y, temperature: temperature)
        guard case .mse(let steps, let lr) = initial else {
            return try run(posterior, initial: initial, seed: seed, threads: threads, drawsFolder: drawsFolder,
                           keepInMemory: keepInMemory, progress: progress)
        }
        let starts: [[Double]] = try (0..<chains).map { k in
            var w0 = try Self.defaultStart(posterior, seed: seed, chain: k)
            let p = bnn.architecture.parameterCount
            let fit = try bnn.architecture.fitMSE(x: x, y: y, initialWeights: Array(w0[0..<p]),
                                                  optimizer: Adam(learningRate: lr), steps: steps)
            w0.replaceSubrange(0..<p, with: fit.weights)
            return w0
        }
        return try run(posterior, initial: .given(starts), seed: seed, threads: threads, drawsFolder: drawsFolder,
                       keepInMemory: keepInMemory, progress: progress)
    }

    /// One-input, one-output convenience of ``run(_:x:y:temperature:initial:seed:threads:drawsFolder:keepInMemory:progress:)``.
    public func run(_ bnn: BNN, x: [Double], y: [Double], temperature: Double = 1, initial: Initialization = .map(),
                    seed: UInt64 = 0, threads: Int? = nil, drawsFolder: URL? = nil, keepInMemory: Bool? = nil,
                    progress: ProgressCounter? = nil) throws -> Chains {
        try run(bnn, x: Matrix(rows: x.count, columns: 1, values: x), y: Matrix(rows: y.count, columns: 1, values: y),
                temperature: temperature, initial: initial, seed: seed, threads: threads, drawsFolder: drawsFolder,
                keepInMemory: keepInMemory, progress: progress)
    }

    /// Samples a user log density (see ``LogDensity`` for threads and errors).
    /// Only `.given` starting points apply.
    public func run(_ model: LogDensity, initial: Initialization, seed: UInt64 = 0, threads: Int? = nil,
                    drawsFolder: URL? = nil, keepInMemory: Bool? = nil, progress: ProgressCounter? = nil) throws -> Chains {
        try validate()
        guard case .given(let p) = initial else {
            throw BayesKitError.invalidArgument("a LogDensity model needs given starting points (.given); it has no prior or data")
        }
        let starts = try Self.expand(p, chains: chains, dimension: model.dimension)
        return try run(binding: ModelBinding(model, chains: chains), starts: starts, seed: seed, threads: threads,
                       drawsFolder: drawsFolder, keepInMemory: keepInMemory, progress: progress)
    }

    /// Streams `2³² + k` seed chain `k`'s starting point (distinct from the sampling streams `k`).
    static let initStream: UInt64 = 1 << 32

    static func defaultStart(_ posterior: BNNPosterior, seed: UInt64, chain k: Int) throws -> [Double] {
        let stream = try RandomStream(seed: seed, stream: initStream + UInt64(k))
        var w = try posterior.architecture.defaultInitialWeights(stream: stream)
        if case .gaussianLearnedNoise(let mean, _) = posterior.likelihood { w.append(mean) }
        return w
    }

    static func expand(_ p: [[Double]], chains: Int, dimension: Int) throws -> [[Double]] {
        guard p.count == 1 || p.count == chains else {
            throw BayesKitError.dimensionMismatch("\(p.count) initial positions for \(chains) chains (give 1 or \(chains))")
        }
        for (k, x) in p.enumerated() where x.count != dimension {
            throw BayesKitError.dimensionMismatch(
                "initial position \(k) has \(x.count) values but the model has \(dimension) parameters")
        }
        return p.count == chains ? p : Array(repeating: p[0], count: chains)
    }
}
