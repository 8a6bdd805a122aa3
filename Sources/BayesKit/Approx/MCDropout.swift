internal import CBayesKit
import Foundation

/// The aleatoric sd of a Gaussian-head fit.
public enum NoiseModel: Codable, Sendable, Hashable {
    /// A known noise sd.
    case fixed(Double)
    /// The root mean square residual of the fit's mean on its training data.
    case trainingResiduals
    /// MC dropout's model precision (Gal & Ghahramani 2016, §4; Gal 2016 eq. 3.20)
    ///
    ///     τ = (1 − p) l² / (2 N λ)
    ///
    /// for prior length-scale `l`, dropout rate p, N training rows and the
    /// L2 term λ‖θ‖² of the loss; the optimiser's weight decay `wd` adds
    /// `wd·θ` to the gradient of the mean loss, so λ = wd/2 and τ = (1 − p) l² / (N wd).
    /// Needs weight decay > 0 and the Gaussian head with noise sd 1 (half the squared error).
    case galTau(lengthScale: Double)
}

/// MC dropout (Gal & Ghahramani 2016): train with dropout, keep it at test
/// time, and average `passes` stochastic forward passes. Seed 002's
/// defaults: rate 0.1 after every hidden layer, 50 passes.
///
///     let model = try MCDropout(training: Training(epochs: 2000)).fit(architecture: arch, x: x, y: y, seed: 0)
///     let pred = try model.predict(grid)     // mean, epistemic and aleatoric sd
public struct MCDropout: Codable, Sendable, Hashable {
    /// Dropout rate of every hidden layer (or one per hidden layer).
    public var rates: [Double]
    public var dropConnect: Double
    public var passes: Int
    public var training: Training
    public var noise: NoiseModel

    public init(rate: Double = 0.1, dropConnect: Double = 0, passes: Int = 50, training: Training = Training(),
                noise: NoiseModel = .trainingResiduals) {
        self.init(rates: [rate], dropConnect: dropConnect, passes: passes, training: training, noise: noise)
    }

    public init(rates: [Double], dropConnect: Double = 0, passes: Int = 50, training: Training = Training(),
                noise: NoiseModel = .trainingResiduals) {
        self.rates = rates
        self.dropConnect = dropConnect
        self.passes = passes
        self.training = training
        self.noise = noise
    }

    enum CodingKeys: String, CodingKey { case rates, dropConnect = "drop_connect", passes, training, noise }

    /// Trains with dropout (and DropConnect) from PyTorch's initialisation
    /// on stream `(seed, 0)`, then fixes the noise sd (regression heads).
    public func fit(architecture: NetworkArchitecture, x: Matrix, y: [Double], seed: UInt64 = 0,
                    threads: Int? = nil) throws -> MCDropoutModel {
        guard passes >= 1 else { throw BayesKitError.invalidArgument("MC dropout needs passes >= 1, got \(passes)") }
        var t = training
        t.dropout = rates
        t.dropConnect = dropConnect
        let fit = try t.train(architecture: architecture, x: x, y: y, seed: seed)
        let resolved = try t.rates(for: architecture) ?? []
        var model = MCDropoutModel(architecture: architecture, head: t.head, weights: fit.weights, rates: resolved,
                                   dropConnect: dropConnect, passes: passes, noiseSD: 0, lossHistory: fit.lossHistory,
                                   seed: seed)
        guard t.head == .gaussian else { return model }
        if case let .galTau(l) = noise {
            let p = resolved.first ?? 0, wd = t.optimizer.weightDecay
            guard l > 0, wd > 0 else {
                throw BayesKitError.invalidArgument(
                    "Gal's tau needs a length-scale > 0 and weight decay > 0; got \(l) and \(wd)")
            }
            model.noiseSD = 1 / ((1 - p) * l * l / (Double(x.rows) * wd)).squareRoot()
            return model
        }
        let sd = try noise.noiseSD(y: y) {
            let f = try model.outputs(x, passes: passes, seed: seed &+ 1, threads: threads)
            return (0..<x.rows).map { i in f.reduce(0) { $0 + $1.values[i] } / Double(f.count) }
        }
        model.noiseSD = sd
        return model
    }
}

/// A network trained with dropout, predicting by MC dropout. `Codable`
/// (``archiveKind``).
public struct MCDropoutModel: Codable, Sendable, Equatable {
    public static let archiveKind = "MCDropoutModel"
    public let architecture: NetworkArchitecture
    public let head: OutputHead
    public let weights: [Double]
    /// Dropout rate per hidden layer.
    public let rates: [Double]
    public let dropConnect: Double
    /// Default number of stochastic passes.
    public let passes: Int
    /// The Gaussian head's noise sd, τ^(−1/2) (0 for other heads).
    public internal(set) var noiseSD: Double
    public let lossHistory: [Double]
    public let seed: UInt64

    enum CodingKeys: String, CodingKey {
        case architecture, head, weights, rates, dropConnect = "drop_connect", passes, noiseSD = "noise_sd",
             lossHistory = "loss_history", seed
    }

    /// Model precision τ = 1/σ² of the Gaussian head.
    public var tau: Double { 1 / (noiseSD * noiseSD) }

    /// The raw outputs of `T` stochastic passes (`T` matrices `n × w_L`);
    /// pass t draws its masks from stream `(seed, t)`, in parallel (OpenMP).
    public func outputs(_ x: Matrix, passes: Int? = nil, seed: UInt64 = 1, threads: Int? = nil) throws -> [Matrix] {
        let t = passes ?? self.passes
        guard t >= 1 else { throw BayesKitError.invalidArgument("MC dropout needs passes >= 1, got \(t)") }
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("inputs have \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        let nthreads = try threadArgument(threads)
        let net = try NetworkHandle(architecture)
        let n = x.rows, k = architecture.outputCount
        guard n > 0 else { return [] }
        var out = [Double](repeating: 0, count: t * n * k)
        try check { err in
            bk_approx_mc_dropout(net.raw, weights, rates.isEmpty ? nil : rates, rates.count, dropConnect, t, seed, 0, n,
                                 x.values, &out, nthreads, err)
        }
        return (0..<t).map { Matrix(unchecked: n, k, Array(out[($0 * n * k)..<(($0 + 1) * n * k)])) }
    }

    /// Regression predictive: mean and epistemic sd over the passes,
    /// aleatoric sd τ^(−1/2) (Gaussian head) or the mean of the passes'
    /// variances (mean-and-variance head).
    public func predict(_ x: Matrix, passes: Int? = nil, seed: UInt64 = 1, threads: Int? = nil) throws -> UncertainPrediction {
        try regressionComponents(try outputs(x, passes: passes, seed: seed, threads: threads), head: head, noiseSD: noiseSD)
    }

    /// Class probabilities averaged over the passes with the entropy decomposition.
    public func classify(_ x: Matrix, passes: Int? = nil, seed: UInt64 = 1, temperature: Double = 1,
                         threads: Int? = nil) throws -> UncertaintyDecomposition {
        guard head.isClassification else { throw BayesKitError.invalidArgument("a \(head.rawValue) head does not classify") }
        let f = try outputs(x, passes: passes, seed: seed, threads: threads)
        return try Evaluation.decomposition(f.map { probabilities(fromLogits: $0.values, rows: $0.rows, columns: $0.columns,
                                                                   temperature: temperature) })
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> MCDropoutModel {
        try ModelArchive.load(MCDropoutModel.self, kind: archiveKind, from: url)
    }
}
