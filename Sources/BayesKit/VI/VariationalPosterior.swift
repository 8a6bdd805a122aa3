internal import CBayesKit
import Foundation

/// A fitted mean-field Gaussian `q(θ) = Π_i N(μ_i, σ_i²)` over a network's
/// parameters (``MeanFieldVI``), with its training history. `Codable`;
/// saved and loaded bit for bit with ``save(to:)`` / ``load(from:)``.
public struct VariationalPosterior: Codable, Sendable, Equatable {
    public static let archiveKind = "VariationalPosterior"

    public let architecture: NetworkArchitecture
    public let likelihood: Likelihood
    public let prior: WeightPrior
    public let scale: ScaleParameterization
    /// `μ`, `D` values in the network's flat order (then `log_sigma` for a learned noise).
    public let mean: [Double]
    /// The scale parameters `r` (log σ or softplus ρ), `D` values.
    public let scaleParameters: [Double]
    /// Applied to inputs before the network, in training and prediction.
    public let inputScaling: InputScaling?
    /// `μ` at the start of training.
    public let initialMean: [Double]
    /// The settings that produced this fit.
    public let method: MeanFieldVI
    public let seed: UInt64
    /// Number of training rows `N`.
    public let count: Int
    public let history: VIHistory
    /// The divergence message when the fit stopped early (`throwOnDivergence: false`), else `nil`.
    public let divergence: String?

    enum CodingKeys: String, CodingKey {
        case architecture, likelihood, prior, scale, mean, scaleParameters = "scale_parameters",
             inputScaling = "input_scaling", initialMean = "initial_mean", method, seed, count, history, divergence
    }

    init(architecture: NetworkArchitecture, likelihood: Likelihood, prior: WeightPrior, scale: ScaleParameterization,
         mean: [Double], scaleParameters: [Double], inputScaling: InputScaling?, initialMean: [Double], method: MeanFieldVI,
         seed: UInt64, count: Int, history: VIHistory, divergence: String?) {
        self.architecture = architecture
        self.likelihood = likelihood
        self.prior = prior
        self.scale = scale
        self.mean = mean
        self.scaleParameters = scaleParameters
        self.inputScaling = inputScaling
        self.initialMean = initialMean
        self.method = method
        self.seed = seed
        self.count = count
        self.history = history
        self.divergence = divergence
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(architecture: try c.decode(NetworkArchitecture.self, forKey: .architecture),
                  likelihood: try c.decode(Likelihood.self, forKey: .likelihood),
                  prior: try c.decode(WeightPrior.self, forKey: .prior),
                  scale: try c.decode(ScaleParameterization.self, forKey: .scale),
                  mean: try c.decode([Double].self, forKey: .mean),
                  scaleParameters: try c.decode([Double].self, forKey: .scaleParameters),
                  inputScaling: try c.decodeIfPresent(InputScaling.self, forKey: .inputScaling),
                  initialMean: try c.decode([Double].self, forKey: .initialMean),
                  method: try c.decode(MeanFieldVI.self, forKey: .method), seed: try c.decode(UInt64.self, forKey: .seed),
                  count: try c.decode(Int.self, forKey: .count), history: try c.decode(VIHistory.self, forKey: .history),
                  divergence: try c.decodeIfPresent(String.self, forKey: .divergence))
        let d = architecture.parameterCount + likelihood.extraParameterNames.count
        guard mean.count == d, scaleParameters.count == d, initialMean.count == d else {
            throw DecodingError.dataCorruptedError(forKey: .mean, in: c,
                                                   debugDescription: "expected \(d) means and scale parameters")
        }
    }

    /// `D`: the network's weights plus any likelihood parameter.
    public var dimension: Int { mean.count }

    /// `σ_i` of every parameter.
    public var standardDeviations: [Double] { scaleParameters.map { scale.sigma($0) } }

    /// Names of the parameters (`layer0.W[0,0]`, …, `log_sigma`).
    public var parameterNames: [String] { architecture.parameterNames + likelihood.extraParameterNames }

    /// The ELBO of the last epoch and a smoothed value (mean of the last 100 epochs).
    public var finalELBO: Double { history.elbo.last ?? .nan }

    /// `count` weight vectors `θ_s = μ + σ ⊙ ε_s` (rows of an `S × D`
    /// matrix), `ε_s` the next `D` normals of `stream`, draw after draw.
    public func sampleWeights(count: Int, stream: RandomStream) throws -> Matrix {
        guard count >= 0 else { throw BayesKitError.invalidArgument("number of weight draws must be >= 0, got \(count)") }
        let d = dimension
        var out = [Double](repeating: 0, count: count * d)
        let phi = mean + scaleParameters
        try check { bk_vi_sample(stream.raw, scale.code, d, phi, count, &out, $0) }
        return try Matrix(rows: count, columns: d, values: out)
    }

    /// The network's outputs at the mean weights `μ` (no sampling).
    public func predictMeanWeights(_ x: Matrix) throws -> Matrix {
        let xs = try scaled(x)
        return try architecture.forward(weights: Array(mean.prefix(architecture.parameterCount)), inputs: xs)
    }

    /// The predictive at inputs `x` (`n × w₀`, unscaled) from `samples`
    /// weight draws of `q` (``sampleWeights(count:stream:)`` on `stream`);
    /// for the Gaussian likelihoods the observation noise of draw `s` then
    /// comes from the same stream. Parallel over draws; the result does not
    /// depend on `threads`.
    public func predict(_ x: Matrix, samples: Int = 1000, stream: RandomStream, levels: [Double] = [0.05, 0.5, 0.95],
                        keepFunctionSamples: Bool = false, threads: Int? = nil) throws -> VariationalPrediction {
        guard samples >= 2 else { throw BayesKitError.invalidArgument("predictive needs >= 2 weight draws, got \(samples)") }
        if let bad = levels.first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw BayesKitError.invalidArgument("quantile levels must be in [0, 1], got \(bad)")
        }
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("inputs have \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        try requireFinite(x.values, "inputs")
        let xs = try scaled(x)
        let weights = try sampleWeights(count: samples, stream: stream)
        let f = try architecture.predict(weightSamples: weights, inputs: xs, threads: threads)
        let n = x.rows, k = architecture.outputCount, cells = n * k, S = samples
        // Noise sd of every draw (Gaussian likelihoods only).
        var noise: [Double]?
        switch likelihood {
        case .gaussian(let sigma): noise = [Double](repeating: sigma, count: S)
        case .gaussianLearnedNoise: noise = (0..<S).map { exp(weights[$0, architecture.parameterCount]) }
        default: noise = nil
        }
        var fMean = [Double](repeating: 0, count: cells), fSD = fMean, alea = fMean
        var fQ = [[Double]](repeating: fMean, count: levels.count), yQ = fQ
        var column = [Double](repeating: 0, count: S)
        let eps = noise == nil ? [] : try stream.normals(S * cells)
        for c in 0..<cells {
            for s in 0..<S { column[s] = f[s].values[c] }
            let m = column.reduce(0, +) / Double(S)
            fMean[c] = m
            fSD[c] = (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(S - 1)).squareRoot()
            var sorted = column.sorted()
            for (j, q) in levels.enumerated() { fQ[j][c] = quantileSorted(sorted, q) }
            if let noise {
                alea[c] = (noise.reduce(0) { $0 + $1 * $1 } / Double(S)).squareRoot()
                for s in 0..<S { sorted[s] = column[s] + noise[s] * eps[s * cells + c] }
                sorted.sort()
                for (j, q) in levels.enumerated() { yQ[j][c] = quantileSorted(sorted, q) }
            }
        }
        func mat(_ v: [Double]) -> Matrix { Matrix(unchecked: n, k, v) }
        return VariationalPrediction(
            inputs: x, drawCount: S, levels: levels, mean: mat(fMean), epistemicSD: mat(fSD),
            aleatoricSD: noise == nil ? nil : mat(alea), functionQuantiles: fQ.map(mat),
            observationQuantiles: noise == nil ? nil : yQ.map(mat), meanWeights: try predictMeanWeights(x),
            functionSamples: keepFunctionSamples ? f : nil)
    }

    /// ``predict(_:samples:stream:levels:keepFunctionSamples:threads:)`` for one input given as a vector.
    public func predict(_ x: [Double], samples: Int = 1000, stream: RandomStream, levels: [Double] = [0.05, 0.5, 0.95],
                        keepFunctionSamples: Bool = false, threads: Int? = nil) throws -> VariationalPrediction {
        try predict(Matrix(rows: x.count, columns: 1, values: x), samples: samples, stream: stream, levels: levels,
                    keepFunctionSamples: keepFunctionSamples, threads: threads)
    }

    func scaled(_ x: Matrix) throws -> Matrix { try inputScaling?.apply(x) ?? x }

    /// Saves as `model.json` content (kind ``archiveKind``).
    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }

    /// Loads a posterior saved by ``save(to:)``.
    public static func load(from url: URL) throws -> VariationalPosterior {
        try ModelArchive.load(VariationalPosterior.self, kind: archiveKind, from: url)
    }
}

/// The predictive of a ``VariationalPosterior`` at `n` inputs: every matrix
/// is `n × k` (one column per network output).
public struct VariationalPrediction: Sendable, Codable, Equatable {
    public let inputs: Matrix
    /// Number of weight draws `S`.
    public let drawCount: Int
    public let levels: [Double]
    /// Mean over draws of `f(x; θ_s)`.
    public let mean: Matrix
    /// Sd over draws of `f(x; θ_s)` (divisor `S − 1`): weight uncertainty.
    public let epistemicSD: Matrix
    /// `√(mean_s σ_s²)`, the observation noise (Gaussian likelihoods; `nil` otherwise).
    public let aleatoricSD: Matrix?
    /// Quantiles of `f` at ``levels``, one matrix per level.
    public let functionQuantiles: [Matrix]
    /// Quantiles of `y = f + σ_s ε` at ``levels`` (Gaussian likelihoods).
    public let observationQuantiles: [Matrix]?
    /// `f(x; μ)`: the network at the mean weights.
    public let meanWeights: Matrix
    /// Every `f_s` when asked for (plots of function draws).
    public let functionSamples: [Matrix]?

    /// `√(epistemic² + aleatoric²)`, the sd of `y`.
    public var totalSD: Matrix {
        guard let a = aleatoricSD else { return epistemicSD }
        return Matrix(unchecked: epistemicSD.rows, epistemicSD.columns,
                      zip(epistemicSD.values, a.values).map { ($0 * $0 + $1 * $1).squareRoot() })
    }
}
