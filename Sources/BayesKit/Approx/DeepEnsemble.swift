internal import CBayesKit
import Foundation

/// Deep ensembles (Lakshminarayanan, Pritzel & Blundell 2017): `members`
/// networks trained independently — member k initialised and shuffled from
/// its own stream `(seed, k)` — in parallel (OpenMP over members), each
/// with the mean-and-variance head by default; the predictive is the
/// equally weighted mixture of the members' Gaussians. Seed 002: 5 members.
///
///     let arch = try NetworkArchitecture(layers: [1, 50, 2], activation: .relu)  // (μ, s) per input
///     let ens = try DeepEnsemble().fit(architecture: arch, x: x, y: y, seed: 0)
///     let pred = try ens.predict(grid)        // mixture mean, epistemic (member spread), aleatoric
public struct DeepEnsemble: Codable, Sendable, Hashable {
    public var members: Int
    public var training: Training
    /// For the Gaussian head only (the mean-and-variance head learns its noise).
    public var noise: NoiseModel
    /// Adversarial training (the paper's optional term): each batch also
    /// trains on x' = x + ε ⊙ sign(∇ₓ NLL) with ε_j this fraction of input
    /// j's training range (paper: 0.01); the loss is ½(NLL(x) + NLL(x')).
    /// `nil` (default): off.
    public var adversarialFraction: Double?

    public init(members: Int = 5, training: Training = Training(head: .meanVariance), noise: NoiseModel = .trainingResiduals,
                adversarialFraction: Double? = nil) {
        self.members = members
        self.training = training
        self.noise = noise
        self.adversarialFraction = adversarialFraction
    }

    public func fit(architecture: NetworkArchitecture, x: Matrix, y: [Double], seed: UInt64 = 0,
                    threads: Int? = nil) throws -> EnsembleModel {
        guard members >= 1 else { throw BayesKitError.invalidArgument("an ensemble needs K >= 1 members, got \(members)") }
        try training.checkTrainingData(architecture, x, y)
        let nthreads = try threadArgument(threads)
        let net = try NetworkHandle(architecture)
        let p = architecture.parameterCount, e = training.epochs
        var thetas = [Double](repeating: 0, count: members * p)
        var history = [Double](repeating: 0, count: members * e)
        let steps = try adversarialFraction.map { try Training.adversarialSteps(x: x, fraction: $0) }
        try training.withConfig(architecture, adversarialSteps: steps) { cfg in
            try check { err in
                bk_approx_ensemble_train(net.raw, cfg, members, seed, 0, x.rows, x.values, y, &thetas, &history,
                                         nthreads, err)
            }
        }
        var model = EnsembleModel(architecture: architecture, head: training.head,
                                  members: (0..<members).map { Array(thetas[($0 * p)..<(($0 + 1) * p)]) },
                                  noiseSD: 0, lossHistory: (0..<members).map { Array(history[($0 * e)..<(($0 + 1) * e)]) },
                                  seed: seed)
        guard training.head == .gaussian else { return model }
        let sd = try noise.noiseSD(y: y) {
            let f = try model.outputs(x, threads: threads)
            return (0..<x.rows).map { i in f.reduce(0) { $0 + $1.values[i] } / Double(f.count) }
        }
        model.noiseSD = sd
        return model
    }
}

/// A trained deep ensemble. `Codable` (``archiveKind``).
public struct EnsembleModel: Codable, Sendable, Equatable {
    public static let archiveKind = "EnsembleModel"
    public let architecture: NetworkArchitecture
    public let head: OutputHead
    /// One weight vector per member.
    public let members: [[Double]]
    /// The Gaussian head's noise sd (0 for other heads).
    public internal(set) var noiseSD: Double
    /// Mean NLL per row of each epoch, per member.
    public let lossHistory: [[Double]]
    public let seed: UInt64

    enum CodingKeys: String, CodingKey {
        case architecture, head, members, noiseSD = "noise_sd", lossHistory = "loss_history", seed
    }

    /// Each member's outputs (parallel over members).
    public func outputs(_ x: Matrix, threads: Int? = nil) throws -> [Matrix] {
        let w = try Matrix(rows: members.count, columns: architecture.parameterCount, values: members.flatMap { $0 })
        return try architecture.predict(weightSamples: w, inputs: x, threads: threads)
    }

    /// The mixture predictive: mean of the member means, epistemic sd their
    /// spread, aleatoric sd the root mean member variance.
    public func predict(_ x: Matrix, threads: Int? = nil) throws -> UncertainPrediction {
        try regressionComponents(try outputs(x, threads: threads), head: head, noiseSD: noiseSD)
    }

    /// Mean member probabilities and the entropy decomposition.
    public func classify(_ x: Matrix, temperature: Double = 1, threads: Int? = nil) throws -> UncertaintyDecomposition {
        guard head.isClassification else { throw BayesKitError.invalidArgument("a \(head.rawValue) head does not classify") }
        let f = try outputs(x, threads: threads)
        return try Evaluation.decomposition(f.map {
            probabilities(fromLogits: $0.values, rows: $0.rows, columns: $0.columns, temperature: temperature)
        })
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> EnsembleModel {
        try ModelArchive.load(EnsembleModel.self, kind: archiveKind, from: url)
    }
}
