internal import CBayesKit

/// One row of an evidence table.
public struct EvidenceEntry: Sendable, Codable, Equatable {
    /// The model's label ("degree 3").
    public let name: String
    /// M, the number of basis functions.
    public let parameterCount: Int
    /// ln p(y | model).
    public let logEvidence: Double
    /// γ, the effective number of well-determined parameters.
    public let effectiveParameters: Double
    /// √(|y − Φm_N|²/n), the fit of the posterior mean to the training data.
    public let trainingRMSE: Double
}

/// Models ranked by their evidence, with the fitted posteriors (for the
/// per-model fit panels) alongside the table.
public struct ModelComparison: Sendable {
    public let entries: [EvidenceEntry]
    public let posteriors: [LinearPosterior]

    /// The index of the model with the largest evidence.
    public var bestIndex: Int {
        entries.indices.max { entries[$0].logEvidence < entries[$1].logEvidence } ?? 0
    }

    public var best: EvidenceEntry { entries[bestIndex] }
}

/// Bayesian model selection by the evidence (PRML §3.4) and empirical Bayes
/// by evidence maximisation (PRML §3.5, MacKay 1992).
public enum ModelSelection {
    /// Fits every model to (x, y) and tabulates its log evidence. The models
    /// need proper priors (α > 0).
    public static func compare(_ models: [(name: String, model: BayesianLinearRegression)], x: Matrix, y: [Double],
                               threads: Int? = nil) throws -> ModelComparison {
        guard !models.isEmpty else { throw BayesKitError.invalidArgument("no models to compare") }
        var entries = [EvidenceEntry](), posteriors = [LinearPosterior]()
        for (name, model) in models {
            let post = try model.fit(x, y, threads: threads)
            let ev = try post.evidence()
            entries.append(EvidenceEntry(name: name, parameterCount: post.coefficientCount, logEvidence: ev.logEvidence,
                                         effectiveParameters: ev.effectiveParameters,
                                         trainingRMSE: (ev.residualSumOfSquares / Double(ev.count)).squareRoot()))
            posteriors.append(post)
        }
        return ModelComparison(entries: entries, posteriors: posteriors)
    }

    public static func compare(_ models: [(name: String, model: BayesianLinearRegression)], x: [Double], y: [Double],
                               threads: Int? = nil) throws -> ModelComparison {
        try compare(models, x: columnMatrix(x), y: y, threads: threads)
    }

    /// Seed 001's sweep: polynomial bases of each degree (1, x, …, x^d) with
    /// prior precision `alpha` and noise precision `beta`, rows named "degree d".
    public static func polynomialDegrees(_ degrees: [Int], alpha: Double, beta: Double, x: [Double], y: [Double],
                                         scaleInputs: Bool = false, threads: Int? = nil) throws -> ModelComparison {
        try compare(degrees.map {
            ("degree \($0)", BayesianLinearRegression(basis: .polynomial(degree: $0, scaleInputs: scaleInputs),
                                                      alpha: alpha, beta: beta))
        }, x: x, y: y, threads: threads)
    }
}

/// The result of evidence maximisation over (α, β).
public struct EmpiricalBayesResult: Sendable {
    /// The maximising prior precision α and noise precision β.
    public let alpha: Double
    public let beta: Double
    /// γ = Σ λᵢ/(α + λᵢ) at the optimum: the number of well-determined parameters.
    public let effectiveParameters: Double
    public let iterations: Int
    /// ln p(y | α, β) at the optimum.
    public let logEvidence: Double
    /// The posterior at the optimum.
    public let posterior: LinearPosterior
}

extension BayesianLinearRegression {
    /// MacKay's (1992) fixed-point iterations for the α and β that maximise
    /// the evidence (PRML 3.92, 3.95), starting from this model's α and β:
    ///
    ///     γ = M − α tr(S_N),   α ← γ / |m_N − m₀|²,   1/β ← |y − Φm_N|² / (n − γ)
    ///
    /// until both change by less than `tolerance` (relative). Needs an
    /// isotropic prior with α > 0. Throws ``BayesKitError/Code/solverFailure``
    /// when the iterations diverge or do not converge within `maxIterations`.
    public func maximizingEvidence(_ x: [Double], _ y: [Double], maxIterations: Int = 1000, tolerance: Double = 1e-10,
                                   threads: Int? = nil) throws -> EmpiricalBayesResult {
        try maximizingEvidence(columnMatrix(x), y, maxIterations: maxIterations, tolerance: tolerance, threads: threads)
    }

    public func maximizingEvidence(_ x: Matrix, _ y: [Double], maxIterations: Int = 1000, tolerance: Double = 1e-10,
                                   threads: Int? = nil) throws -> EmpiricalBayesResult {
        guard case let .isotropic(alpha0) = priorPrecision else {
            throw BayesKitError.invalidArgument("evidence maximisation needs an isotropic prior precision alpha")
        }
        guard alpha0 > 0, alpha0.isFinite else {
            throw BayesKitError.invalidArgument("initial alpha (prior precision) must be finite and > 0, got \(formatNumber(alpha0))")
        }
        guard maxIterations >= 1, let cap = Int32(exactly: maxIterations) else {
            throw BayesKitError.invalidArgument("maximum number of iterations must be >= 1, got \(maxIterations)")
        }
        try LinearStatistics.checkData(x, y)
        let map = try basis.resolve(on: x)
        let prior = try resolvedPrior(map.count)
        let stats = try LinearStatistics.compute(map, x, y, threads: threads)
        var alpha = alpha0, beta = self.beta, gamma = 0.0
        var iterations: Int32 = 0
        try stats.gram.values.withUnsafeBufferPointer { g in
            try check {
                bk_linear_optimize(map.count, stats.count, g.baseAddress, stats.phiTy, stats.yTy, prior.mean, &alpha,
                                   &beta, cap, tolerance, &gamma, &iterations, $0)
            }
        }
        let post = try LinearPosterior(featureMap: map, priorMean: prior.mean,
                                       priorPrecision: [Double](repeating: alpha, count: map.count), beta: beta,
                                       statistics: stats)
        return EmpiricalBayesResult(alpha: alpha, beta: beta, effectiveParameters: gamma, iterations: Int(iterations),
                                    logEvidence: try post.logEvidence(), posterior: post)
    }
}
