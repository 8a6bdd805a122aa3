internal import CBayesKit
import Foundation

/// Predictive distribution of a network over weight draws at `n` inputs:
/// for every input row and output the mean, sd and quantile bands of
/// `f(x; θ)` and, for the Gaussian likelihoods, of `y = f + σε`.
public struct PredictiveSummary: Sendable, Codable, Equatable {
    public let inputs: Matrix
    public let levels: [Double]
    /// Number of weight draws `S`.
    public let drawCount: Int
    /// `n × k` each: mean and sd (divisor S − 1) of `f`.
    public let mean: Matrix
    public let sd: Matrix
    /// One `n × k` matrix per level.
    public let quantiles: [Matrix]
    /// As above for `y = f + σε` (Gaussian likelihoods; `nil` otherwise).
    public let observationMean: Matrix?
    public let observationSD: Matrix?
    public let observationQuantiles: [Matrix]?
    /// Every `f_s` (`S` matrices `n × k`) when requested: function samples for plots.
    public let functionSamples: [Matrix]?
}

/// Prior and posterior predictive (NumPyro's `Predictive`), separate from
/// sampling: turn weight draws into predictions, in parallel over draws
/// (the C core), the same numbers for any thread count.
public enum Predictive {
    /// Summaries over the weight draws (rows of `weightDraws`, `S × dimension`).
    /// The observation noise `ε_s` of draw `s` comes from random stream `s` of `seed`.
    public static func summarize(_ bnn: BNN, weightDraws: Matrix, inputs: Matrix, levels: [Double] = [0.05, 0.5, 0.95],
                                 seed: UInt64 = 0, keepFunctionSamples: Bool = false, threads: Int? = nil) throws
        -> PredictiveSummary
    {
        let a = bnn.architecture
        guard weightDraws.columns == bnn.dimension else {
            throw BayesKitError.dimensionMismatch(
                "weight draws have \(weightDraws.columns) columns but the model has \(bnn.dimension) parameters")
        }
        guard inputs.columns == a.inputCount else {
            throw BayesKitError.dimensionMismatch("inputs have \(inputs.columns) columns but the network has \(a.inputCount) inputs")
        }
        let nthreads = try threadArgument(threads)
        let s = weightDraws.rows, n = inputs.rows, k = a.outputCount, cells = n * k, m = levels.count
        let noise: bk_predictive_noise, sigma: Double
        switch bnn.likelihood {
        case .gaussian(let sg): (noise, sigma) = (BK_PRED_NOISE_FIXED, sg)
        case .gaussianLearnedNoise: (noise, sigma) = (BK_PRED_NOISE_LEARNED, 0)
        default: (noise, sigma) = (BK_PRED_NOISE_NONE, 0)
        }
        let hasY = noise != BK_PRED_NOISE_NONE
        var fMean = [Double](repeating: 0, count: cells), fSD = fMean, yMean = fMean, ySD = fMean
        var fQ = [Double](repeating: 0, count: m * cells), yQ = fQ
        var samples = [Double](repeating: 0, count: keepFunctionSamples ? s * cells : 0)
        let net = try NetworkHandle(a)
        try yMean.withUnsafeMutableBufferPointer { ym in
            try ySD.withUnsafeMutableBufferPointer { ys in
                try yQ.withUnsafeMutableBufferPointer { yq in
                    try samples.withUnsafeMutableBufferPointer { fs in
                        try check { err in
                            bk_predictive_summary(net.raw, s, weightDraws.values, weightDraws.columns, n, inputs.values,
                                                  Int32(noise.rawValue), sigma, seed, m, levels, &fMean, &fSD, &fQ,
                                                  hasY ? ym.baseAddress : nil, hasY ? ys.baseAddress : nil,
                                                  hasY ? yq.baseAddress : nil,
                                                  keepFunctionSamples ? fs.baseAddress : nil, nthreads, err)
                        }
                    }
                }
            }
        }
        func mat(_ v: [Double], _ j: Int = 0) -> Matrix { Matrix(unchecked: n, k, Array(v[(j * cells)..<((j + 1) * cells)])) }
        return PredictiveSummary(
            inputs: inputs, levels: levels, drawCount: s, mean: mat(fMean), sd: mat(fSD), quantiles: (0..<m).map { mat(fQ, $0) },
            observationMean: hasY ? mat(yMean) : nil, observationSD: hasY ? mat(ySD) : nil,
            observationQuantiles: hasY ? (0..<m).map { mat(yQ, $0) } : nil,
            functionSamples: keepFunctionSamples ? (0..<s).map { mat(samples, $0) } : nil)
    }

    /// Prior predictive: `count` weight vectors from the prior (draw `s` from
    /// stream `s` of `seed`; seed 000 shows 50), summarised at `inputs`, with
    /// the function samples kept for plots.
    public static func prior(_ bnn: BNN, count: Int = 50, inputs: Matrix, levels: [Double] = [0.05, 0.5, 0.95],
                             seed: UInt64 = 0, threads: Int? = nil) throws -> PredictiveSummary {
        guard count >= 1 else { throw BayesKitError.invalidArgument("prior predictive needs count >= 1; got \(count)") }
        var values: [Double] = []
        values.reserveCapacity(count * bnn.dimension)
        for s in 0..<count {
            values += try bnn.prior.sample(architecture: bnn.architecture, likelihood: bnn.likelihood,
                                           stream: RandomStream(seed: seed, stream: UInt64(s)))
        }
        return try summarize(bnn, weightDraws: Matrix(rows: count, columns: bnn.dimension, values: values), inputs: inputs,
                             levels: levels, seed: seed &+ 1, keepFunctionSamples: true, threads: threads)
    }

    /// Posterior predictive from the kept draws of `chains` (all chains
    /// pooled), or from `count` of them chosen at random without replacement
    /// with stream 0 of `seed` (seed 000 uses 100). With `count`, only the
    /// chosen draws are read (from memory or chunk by chunk from the files).
    public static func posterior(_ bnn: BNN, chains: Chains, inputs: Matrix, count: Int? = nil,
                                 levels: [Double] = [0.05, 0.5, 0.95], seed: UInt64 = 0, keepFunctionSamples: Bool = false,
                                 threads: Int? = nil) throws -> PredictiveSummary {
        let rows = chains.chainStats.map(\.keptDraws).reduce(0, +)
        guard rows >= 1 else { throw BayesKitError.invalidArgument("the chains hold no draws") }
        var chosen: [Int]? = nil
        if let count, count < rows {
            guard count >= 1 else { throw BayesKitError.invalidArgument("posterior predictive needs count >= 1; got \(count)") }
            // A partial Fisher–Yates shuffle of 0..<rows; only the swapped
            // positions are stored, so memory is O(count), not O(rows).
            let stream = try RandomStream(seed: seed, stream: 0)
            var swapped: [Int: Int] = [:]
            var picked: [Int] = []
            picked.reserveCapacity(count)
            for i in 0..<count {
                let j = min(i + Int(stream.uniform() * Double(rows - i)), rows - 1)
                let vi = swapped[i] ?? i, vj = swapped[j] ?? j
                swapped[i] = vj
                swapped[j] = vi
                picked.append(vj)
            }
            chosen = picked.sorted()
        }
        var values: [Double] = []
        values.reserveCapacity((chosen?.count ?? rows) * chains.dimension)
        var next = 0, offset = 0 // position in `chosen`; global index of the block's first draw
        try chains.forEachBlock { _, block in
            if let chosen {
                while next < chosen.count, chosen[next] < offset + block.rows {
                    values += block.row(chosen[next] - offset)
                    next += 1
                }
            } else {
                values += block.values
            }
            offset += block.rows
        }
        let draws = try Matrix(rows: values.count / chains.dimension, columns: chains.dimension, values: values)
        return try summarize(bnn, weightDraws: draws, inputs: inputs, levels: levels, seed: seed &+ 1,
                             keepFunctionSamples: keepFunctionSamples, threads: threads)
    }

    /// `count` points evenly spread over `[min x, max x]`: the default inputs of `functionals(_:architecture:at:folder:threads:)`.
    public static func defaultFunctionalInputs(x: [Double], count: Int = 5) throws -> [Double] {
        guard let lo = x.min(), let hi = x.max() else { throw BayesKitError.invalidArgument("no data to spread points over") }
        guard count >= 1 else { throw BayesKitError.invalidArgument("count must be >= 1; got \(count)") }
        return count == 1 ? [(lo + hi) / 2] : linspace(lo, hi, count)
    }

    /// Predictive functionals: `f(x_j; θ)` for every kept draw at fixed
    /// inputs `points` (`m × w₀`), as scalar "parameters" named `f(x=…)`.
    /// Unlike the weights, which permutation and sign symmetries make
    /// unidentifiable, these have meaningful R-hat and ESS: call
    /// ``Chains/summary(threads:)`` on the result. Every chain is cut to the
    /// shortest and read block by block; with `folder` the functionals are
    /// streamed to draws files there (one per chain, with a manifest) instead
    /// of memory, so a large run's memory stays bounded.
    public static func functionals(_ chains: Chains, architecture: NetworkArchitecture, at points: Matrix,
                                   folder: URL? = nil, threads: Int? = nil) throws -> Chains {
        guard points.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch(
                "points have \(points.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        let m = points.rows, k = architecture.outputCount, width = m * k
        guard width >= 1 else { throw BayesKitError.invalidArgument("functionals need at least 1 point") }
        let n = chains.chainStats.map(\.keptDraws).min() ?? 0
        func label(_ i: Int) -> String {
            let row = points.row(i).map { String(format: "%.4g", $0) }
            return row.count == 1 ? "x=\(row[0])" : "x=(\(row.joined(separator: ",")))"
        }
        let names = (0..<m).flatMap { i in (0..<k).map { o in k == 1 ? "f(\(label(i)))" : "f[\(o)](\(label(i)))" } }
        if let folder {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw BayesKitError.io("cannot create functionals folder \(folder.path): \(MCMC.reason(error))")
            }
        }
        var flat: [Double] = []
        if folder == nil { flat.reserveCapacity(chains.chainCount * n * width) }
        var means: [[Double]] = [], vars: [[Double]] = []
        var writer: DrawsWriter? = nil
        var moments = Welford(width: width)
        var chainRows = 0
        func finishChain() throws {
            means.append(moments.meanOrNaN)
            vars.append(moments.variance)
            try writer?.close()
        }
        var current = -1
        try chains.forEachBlock(limit: n) { c, block in
            if c != current {
                if current >= 0 { try finishChain() }
                current = c
                moments = Welford(width: width)
                chainRows = 0
                if let folder {
                    writer = try DrawsWriter(url: folder.appendingPathComponent(MCMC.drawsFileName(chain: c)),
                                             parameterNames: names, chain: c)
                }
            }
            let f = try architecture.predictions(weightSamples: block, inputs: points, threads: threads)
            moments.add(f)
            chainRows += f.rows
            if let writer { try writer.append(contentsOf: f) } else { flat += f.values }
        }
        if current >= 0 { try finishChain() }
        // Chains with no draws to read (n == 0) still get their moments.
        while means.count < chains.chainCount {
            means.append([Double](repeating: .nan, count: width))
            vars.append([Double](repeating: .nan, count: width))
        }
        if let folder {
            try DrawsManifest(parameterNames: names,
                              chains: (0..<chains.chainCount).map { .init(chain: $0, file: MCMC.drawsFileName(chain: $0), draws: n) },
                              complete: true).write(to: folder)
        }
        let stats = chains.chainStats.map { s -> Chains.ChainStats in
            var s = s
            s.keptDraws = n
            return s
        }
        return Chains(parameterNames: names, storage: folder == nil ? flat : nil, keptPerChain: n, drawsFolder: folder,
                      chainStats: stats, onlineMean: means, onlineVariance: vars, wallSeconds: chains.wallSeconds,
                      complete: chains.complete, seed: chains.seed, kernelName: chains.kernelName)
    }

    /// `functionals(_:architecture:at:folder:threads:)` at one-dimensional inputs.
    public static func functionals(_ chains: Chains, architecture: NetworkArchitecture, at points: [Double],
                                   folder: URL? = nil, threads: Int? = nil) throws -> Chains {
        try functionals(chains, architecture: architecture, at: Matrix(rows: points.count, columns: 1, values: points),
                        folder: folder, threads: threads)
    }
}

/// Welford's online mean and variance (divisor n − 1) of the columns of
/// blocks of rows (Welford 1962; Chan, Golub & LeVeque 1983 for the update).
struct Welford {
    private(set) var count = 0
    private(set) var mean: [Double]
    private var m2: [Double]

    init(width: Int) {
        mean = [Double](repeating: 0, count: width)
        m2 = mean
    }

    mutating func add(_ block: Matrix) {
        let w = mean.count
        block.values.withUnsafeBufferPointer { v in
            for r in 0..<block.rows {
                count += 1
                let inv = 1 / Double(count)
                for j in 0..<w {
                    let x = v[r * w + j], d = x - mean[j]
                    mean[j] += d * inv
                    m2[j] += d * (x - mean[j])
                }
            }
        }
    }

    /// NaN for no draws; the variance is NaN below 2 draws.
    var variance: [Double] { count > 1 ? m2.map { $0 / Double(count - 1) } : m2.map { _ in .nan } }
    var meanOrNaN: [Double] { count > 0 ? mean : mean.map { _ in .nan } }
}
