import Foundation

/// The result of an ``MCMC`` run: kept draws `[chain][draw][parameter]` in
/// memory and/or in a draws folder (`chain-k.bkd` + `manifest.json`),
/// per-chain statistics, online moments and wall time.
public struct Chains: Sendable {
    /// What one chain did.
    public struct ChainStats: Sendable, Equatable, Codable {
        public var chain: Int
        /// Accepted proposals / post-warmup iterations (seed 000's "acceptance rate").
        public var acceptanceRate: Double
        /// Mean of `min(1, α)` over the post-warmup iterations.
        public var meanAcceptanceProbability: Double
        /// Accepted / iterations during warmup (NaN without warmup).
        public var warmupAcceptanceRate: Double
        /// Final proposal scale (after adaptation); `nil` for kernels without one.
        public var scale: Double?
        public var keptDraws: Int
        public var warmupIterations: Int
        /// Post-warmup iterations done.
        public var iterations: Int
        public var logDensityEvaluations: Int
        /// Proposals rejected because the log density was not finite.
        public var nonFiniteProposals: Int
        public var warmupSeconds: Double
        public var samplingSeconds: Double
        /// Divergent transitions after warmup (HMC, NUTS; 0 for MH).
        public var divergences: Int = 0
        /// Divergent transitions during warmup.
        public var warmupDivergences: Int = 0
        /// Post-warmup NUTS transitions that stopped at the maximum tree depth.
        public var treeDepthHits: Int = 0
        /// Log-density (gradient) evaluations after warmup.
        public var samplingEvaluations: Int = 0
        /// Whether the kernel used gradients (HMC, NUTS).
        public var usesGradient: Bool = false

        /// Gradient (log-density) evaluations per post-warmup iteration.
        public var evaluationsPerDraw: Double { iterations > 0 ? Double(samplingEvaluations) / Double(iterations) : .nan }
    }

    public let parameterNames: [String]
    /// `[chain][draw][parameter]` contiguous, when kept in memory.
    let storage: [Double]?
    let keptPerChain: Int
    /// The folder holding `manifest.json` and one draws file per chain, when streamed.
    public let drawsFolder: URL?
    public let chainStats: [ChainStats]
    /// Welford mean of the kept draws, per chain and parameter, computed during the run.
    public let onlineMean: [[Double]]
    /// Welford variance (divisor n − 1) of the kept draws, per chain and parameter.
    public let onlineVariance: [[Double]]
    public let wallSeconds: Double
    /// False when the run was cancelled before every chain finished.
    public let complete: Bool
    public let seed: UInt64
    public let kernelName: String

    /// A result over draws given in memory (e.g. predictive functionals).
    init(parameterNames: [String], storage: [Double]?, keptPerChain: Int, drawsFolder: URL?, chainStats: [ChainStats],
         onlineMean: [[Double]], onlineVariance: [[Double]], wallSeconds: Double, complete: Bool, seed: UInt64,
         kernelName: String) {
        self.parameterNames = parameterNames
        self.storage = storage
        self.keptPerChain = keptPerChain
        self.drawsFolder = drawsFolder
        self.chainStats = chainStats
        self.onlineMean = onlineMean
        self.onlineVariance = onlineVariance
        self.wallSeconds = wallSeconds
        self.complete = complete
        self.seed = seed
        self.kernelName = kernelName
    }

    public var chainCount: Int { chainStats.count }
    public var dimension: Int { parameterNames.count }
    /// Per-chain acceptance rates.
    public var acceptanceRates: [Double] { chainStats.map(\.acceptanceRate) }
    /// Whether the draws are held in memory (else read them from ``drawsFolder``).
    public var isInMemory: Bool { storage != nil }

    /// The draws `[chain][draw][parameter]` (read from the files when not in memory).
    public func draws() throws -> [[[Double]]] {
        try (0..<chainCount).map { k in
            let m = try chain(k)
            return (0..<m.rows).map { m.row($0) }
        }
    }

    /// Chain `k`'s kept draws, draws × parameters.
    public func chain(_ k: Int) throws -> Matrix {
        guard k >= 0, k < chainCount else {
            throw BayesKitError.invalidArgument("chain index must be in 0..<\(chainCount), got \(k)")
        }
        let p = dimension, n = chainStats[k].keptDraws
        if let storage {
            let start = k * keptPerChain * p
            return try Matrix(rows: n, columns: p, values: Array(storage[start..<(start + n * p)]))
        }
        guard let folder = drawsFolder else { throw BayesKitError.invalidArgument("this run kept no draws") }
        return try DrawsFile.read(folder.appendingPathComponent(MCMC.drawsFileName(chain: k))).values
    }

    /// Calls `body(chain, block)` with the kept draws of every chain in order,
    /// in blocks of at most `blockRows` draws (the file chunks when streamed),
    /// at most `limit` draws per chain. Memory stays at one block.
    public func forEachBlock(limit: Int? = nil, blockRows: Int = 4096, _ body: (Int, Matrix) throws -> Void) throws {
        guard blockRows >= 1 else { throw BayesKitError.invalidArgument("block size must be >= 1 draw, got \(blockRows)") }
        let p = dimension
        for c in 0..<chainCount {
            let n = min(limit ?? Int.max, chainStats[c].keptDraws)
            guard n > 0 else { continue }
            if let storage {
                let base = c * keptPerChain * p
                var d = 0
                while d < n {
                    let rows = min(blockRows, n - d)
                    try body(c, Matrix(unchecked: rows, p, Array(storage[(base + d * p)..<(base + (d + rows) * p)])))
                    d += rows
                }
            } else if let folder = drawsFolder {
                var d = 0
                try DrawsFile.forEachChunk(folder.appendingPathComponent(MCMC.drawsFileName(chain: c))) { chunk in
                    guard d < n else { return }
                    let rows = min(chunk.rows, n - d)
                    try body(c, rows == chunk.rows ? chunk : Matrix(unchecked: rows, p, Array(chunk.values.prefix(rows * p))))
                    d += rows
                }
            } else {
                throw BayesKitError.invalidArgument("this run kept no draws")
            }
        }
    }

    /// The summary table (mean, sd, quantiles, MCSE, bulk/tail ESS, R-hat)
    /// per parameter via ``Diagnostics``: from memory, or streamed from the
    /// draws folder with bounded memory (an incomplete run is cut to its
    /// shortest chain).
    public func summary(threads: Int = 0) throws -> [RunResult.ParameterSummary] {
        if let storage, chainStats.allSatisfy({ $0.keptDraws == keptPerChain }) {
            return try Diagnostics.summary(names: parameterNames, flat: storage, chains: chainCount, draws: keptPerChain,
                                           threads: threads)
        }
        if let folder = drawsFolder {
            return try Diagnostics.summary(manifestFolder: folder, truncateToShortest: !complete, threads: threads)
        }
        let shortest = chainStats.map(\.keptDraws).min() ?? 0
        let flat = try (0..<chainCount).flatMap { Array(try chain($0).values.prefix(shortest * dimension)) }
        return try Diagnostics.summary(names: parameterNames, flat: flat, chains: chainCount, draws: shortest, threads: threads)
    }

    /// Rows for `result.json`'s `chains` (the scale is reported as `step_size`;
    /// for HMC/NUTS the acceptance rate is the mean acceptance statistic, as
    /// Stan's `accept_stat__`, with divergences, tree-depth hits and gradient evaluations).
    public var chainSummaries: [RunResult.ChainSummary] {
        chainStats.map {
            $0.usesGradient
                ? RunResult.ChainSummary(index: $0.chain, acceptanceRate: $0.meanAcceptanceProbability, stepSize: $0.scale,
                                         nDivergent: $0.divergences, nTreedepthHits: $0.treeDepthHits,
                                         nGradEvals: $0.logDensityEvaluations)
                : RunResult.ChainSummary(index: $0.chain, acceptanceRate: $0.acceptanceRate, stepSize: $0.scale)
        }
    }

    /// The mean over all chains of the online means, weighting chains by their kept draws.
    public var pooledMean: [Double] {
        let total = Double(chainStats.map(\.keptDraws).reduce(0, +))
        return (0..<dimension).map { j in
            zip(onlineMean, chainStats).reduce(0.0) { $0 + ($1.1.keptDraws > 0 ? $1.0[j] * Double($1.1.keptDraws) : 0) } / total
        }
    }

    /// Total sampling wall time spent in the kernels, summed over chains (seconds).
    public var samplingSeconds: Double { chainStats.map(\.samplingSeconds).reduce(0, +) }
    public var warmupSeconds: Double { chainStats.map(\.warmupSeconds).reduce(0, +) }
    /// Post-warmup divergent transitions over all chains.
    public var divergences: Int { chainStats.map(\.divergences).reduce(0, +) }
    /// Post-warmup transitions that hit the maximum tree depth, over all chains.
    public var treeDepthHits: Int { chainStats.map(\.treeDepthHits).reduce(0, +) }
    /// Final step sizes (or proposal scales) per chain.
    public var stepSizes: [Double] { chainStats.map { $0.scale ?? .nan } }
}
