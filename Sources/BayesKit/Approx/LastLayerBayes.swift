internal import CBayesKit
import Foundation

/// Last-layer Bayes (seed 002; Snoek et al. 2015, Kristiadi et al. 2020):
/// train the network, freeze everything below the output layer, and put
/// the closed-form Bayesian linear regression (PRML §3.3) on the
/// penultimate features φ(x) = a_{L−1}(x) with an intercept,
///
///     y = wᵀ[1, φ(x)] + ε,  ε ~ N(0, β⁻¹),  w ~ N(0, α⁻¹ I),
///
/// with α and β maximising the evidence (MacKay 1992, PRML 3.92–3.95) when
/// `optimizeEvidence` is true (starting from `alpha`, `beta`).
public struct LastLayerBayes: Codable, Sendable, Hashable {
    public var training: Training
    public var alpha: Double
    public var beta: Double
    public var optimizeEvidence: Bool

    public init(training: Training = Training(), alpha: Double = 1, beta: Double = 1, optimizeEvidence: Bool = true) {
        self.training = training
        self.alpha = alpha
        self.beta = beta
        self.optimizeEvidence = optimizeEvidence
    }

    enum CodingKeys: String, CodingKey { case training, alpha, beta, optimizeEvidence = "optimize_evidence" }

    public func fit(architecture: NetworkArchitecture, x: Matrix, y: [Double], seed: UInt64 = 0,
                    threads: Int? = nil) throws -> LastLayerModel {
        guard training.head == .gaussian, architecture.outputCount == 1 else {
            throw BayesKitError.invalidArgument("last-layer Bayes is a regression method: it needs the Gaussian head and 1 output")
        }
        guard architecture.layerCount >= 2 else {
            throw BayesKitError.invalidArgument("last-layer Bayes needs a hidden layer to take features from; the network has none")
        }
        let fit = try training.train(architecture: architecture, x: x, y: y, seed: seed)
        let phi = try architecture.penultimateFeatures(weights: fit.weights, inputs: x)
        let blr = BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta)
        let posterior = optimizeEvidence
            ? try blr.maximizingEvidence(phi, y, threads: threads).posterior
            : try blr.fit(phi, y, threads: threads)
        return LastLayerModel(architecture: architecture, weights: fit.weights, posterior: posterior,
                              lossHistory: fit.lossHistory, seed: seed)
    }
}

/// A network with a Bayesian linear output layer. `Codable` (``archiveKind``).
public struct LastLayerModel: Codable, Sendable {
    public static let archiveKind = "LastLayerModel"
    public let architecture: NetworkArchitecture
    /// The trained network (its output layer is replaced by `posterior`).
    public let weights: [Double]
    /// The Bayesian linear regression on `[1, φ(x)]`.
    public let posterior: LinearPosterior
    public let lossHistory: [Double]
    public let seed: UInt64

    enum CodingKeys: String, CodingKey { case architecture, weights, posterior, lossHistory = "loss_history", seed }

    /// α (prior precision) and β (noise precision) of the output layer.
    public var alpha: Double { posterior.priorPrecision.first ?? .nan }
    public var beta: Double { posterior.beta }

    /// The Gaussian predictive: mean wᵀφ, epistemic φᵀS_Nφ, aleatoric 1/β.
    public func predict(_ x: Matrix, threads: Int? = nil) throws -> UncertainPrediction {
        let phi = try architecture.penultimateFeatures(weights: weights, inputs: x)
        let p = try posterior.predict(phi, threads: threads)
        return try UncertainPrediction(mean: p.mean, epistemicSD: p.epistemicStandardDeviation,
                                       aleatoricSD: [Double](repeating: p.aleatoricStandardDeviation, count: p.mean.count))
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> LastLayerModel {
        try ModelArchive.load(LastLayerModel.self, kind: archiveKind, from: url)
    }
}

extension NetworkArchitecture {
    /// The activations of the last hidden layer, a_{L−1}(x) (`n × w_{L−1}`),
    /// read from the engine's forward pass (`bk_net_work_activations`).
    public func penultimateFeatures(weights: [Double], inputs: Matrix) throws -> Matrix {
        try checkWeights(weights.count, inputs)
        guard layerCount >= 2 else { throw BayesKitError.invalidArgument("the network has no hidden layer") }
        let n = inputs.rows, h = layers[layerCount - 1]
        guard n > 0 else { return try Matrix(rows: 0, columns: h) }
        try requireFinite(inputs.values, "inputs")
        let net = try NetworkHandle(self)
        var ws: OpaquePointer?
        try check { bk_net_work_alloc(net.raw, n, &ws, $0) }
        defer { bk_net_work_free(ws) }
        try check { err in bk_net_forward(net.raw, weights, n, inputs.values, nil, ws, err) }
        guard let a = bk_net_work_activations(ws, layerCount - 1) else {
            throw BayesKitError(.internal, "the forward pass kept no hidden activations")
        }
        var v = [Double](repeating: 0, count: n * h)
        for u in 0..<h { for r in 0..<n { v[r * h + u] = a[u * n + r] } }  // unit-major to row-major
        return Matrix(unchecked: n, h, v)
    }
}

extension UncertainPrediction {
    /// A Gaussian predictive given by its moments (one mixture component of sd √(epistemic² + aleatoric²)).
    public init(mean: [Double], epistemicSD: [Double], aleatoricSD: [Double]) throws {
        guard epistemicSD.count == mean.count, aleatoricSD.count == mean.count else {
            throw BayesKitError.dimensionMismatch(
                "\(mean.count) means, \(epistemicSD.count) epistemic and \(aleatoricSD.count) aleatoric sds")
        }
        let total = zip(epistemicSD, aleatoricSD).map { ($0 * $0 + $1 * $1).squareRoot() }
        try self.init(componentMeans: [mean], componentSDs: [total])
        self.epistemicSD = epistemicSD
        self.aleatoricSD = aleatoricSD
    }
}
