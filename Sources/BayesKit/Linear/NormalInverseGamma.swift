internal import CBayesKit
import Foundation

/// Bayesian linear regression with unknown noise variance: the conjugate
/// Normal–Inverse-Gamma prior (Bishop 2006, PRML §3.3 and exercise 3.12;
/// Murphy 2012, §7.6.3)
///
///     w | σ² ~ N(m₀, σ² V₀),   σ² ~ InvGamma(a₀, b₀),   y | w, σ² ~ N(Φw, σ² I),
///
/// with V₀⁻¹ = diag(precision). The posterior is NIG(m_N, V_N, a_N, b_N):
///
///     V_N⁻¹ = V₀⁻¹ + ΦᵀΦ,   m_N = V_N (V₀⁻¹m₀ + Φᵀy),   a_N = a₀ + n/2,
///     b_N = b₀ + ½ (|y − Φm_N|² + (m_N − m₀)ᵀV₀⁻¹(m_N − m₀)),
///
/// and the predictive is Student-t with 2a_N degrees of freedom, location
/// m_Nᵀφ and scale² (b_N/a_N)(1 + φᵀV_Nφ).
public struct NormalInverseGammaRegression: Sendable {
    public var basis: BasisFunction
    /// V₀⁻¹: the prior precision of w in units of the noise variance.
    public var priorPrecision: PriorPrecision
    /// m₀; `nil` is zero.
    public var priorMean: [Double]?
    /// a₀, b₀ > 0: shape and scale of the inverse-gamma prior on σ².
    public var shape: Double
    public var scale: Double

    public init(basis: BasisFunction = .affine, priorPrecision: PriorPrecision = .isotropic(1), priorMean: [Double]? = nil,
                shape: Double = 1, scale: Double = 1) {
        self.basis = basis
        self.priorPrecision = priorPrecision
        self.priorMean = priorMean
        self.shape = shape
        self.scale = scale
    }

    public func fit(_ x: [Double], _ y: [Double], threads: Int? = nil) throws -> NormalInverseGammaPosterior {
        try fit(columnMatrix(x), y, threads: threads)
    }

    public func fit(_ x: Matrix, _ y: [Double], threads: Int? = nil) throws -> NormalInverseGammaPosterior {
        guard shape > 0, shape.isFinite else {
            throw BayesKitError.invalidArgument("inverse-gamma shape a0 must be finite and > 0, got \(formatNumber(shape))")
        }
        guard scale > 0, scale.isFinite else {
            throw BayesKitError.invalidArgument("inverse-gamma scale b0 must be finite and > 0, got \(formatNumber(scale))")
        }
        try LinearStatistics.checkData(x, y)
        let map = try basis.resolve(on: x)
        let gaussian = BayesianLinearRegression(basis: basis, priorPrecision: priorPrecision, beta: 1, priorMean: priorMean)
        let prior = try gaussian.resolvedPrior(map.count)
        try BayesianLinearRegression.checkIdentifiable(count: y.count, prior: prior.precision)
        let stats = try LinearStatistics.compute(map, x, y, threads: threads)
        // With β = 1 the Gaussian posterior's (m_N, L) is exactly (m_N, chol V_N⁻¹).
        let post = try LinearPosterior(featureMap: map, priorMean: prior.mean, priorPrecision: prior.precision, beta: 1,
                                       statistics: stats)
        let m = map.count
        var rss = stats.yTy
        for i in 0..<m {
            rss -= 2 * post.mean[i] * stats.phiTy[i]
            for j in 0..<m { rss += post.mean[i] * stats.gram[i, j] * post.mean[j] }
        }
        var quad = 0.0
        for j in 0..<m { quad += prior.precision[j] * (post.mean[j] - prior.mean[j]) * (post.mean[j] - prior.mean[j]) }
        return NormalInverseGammaPosterior(
            gaussian: post, priorShape: shape, priorScale: scale, shape: shape + Double(stats.count) / 2,
            scale: scale + 0.5 * (max(rss, 0) + quad))
    }
}

/// The Normal–Inverse-Gamma posterior NIG(m_N, V_N, a_N, b_N).
public struct NormalInverseGammaPosterior: Sendable {
    /// m_N and the factor of V_N⁻¹, held as a Gaussian posterior with β = 1.
    let gaussian: LinearPosterior
    public let priorShape: Double
    public let priorScale: Double
    /// a_N, b_N.
    public let shape: Double
    public let scale: Double

    public var featureMap: FeatureMap { gaussian.featureMap }
    public var names: [String] { gaussian.names }
    /// m_N, the posterior mean of w.
    public var mean: [Double] { gaussian.mean }
    /// V_N (the covariance of w is σ² V_N given σ²).
    public var scaleMatrix: Matrix { gaussian.covariance }
    /// The posterior of σ²: InvGamma(a_N, b_N).
    public func noiseVariance() throws -> InverseGamma { try InverseGamma(shape: shape, scale: scale) }

    /// The marginal posterior of each coefficient: t_{2a_N}(m_Nⱼ, √(b_N/a_N (V_N)ⱼⱼ)).
    public func marginals() throws -> [StudentT] {
        let s2 = scale / shape
        return try zip(mean, scaleMatrix.diagonal).map { try StudentT(nu: 2 * shape, loc: $0, scale: (s2 * $1).squareRoot()) }
    }

    /// The Student-t predictive at 1-D inputs.
    public func predict(_ x: [Double], threads: Int? = nil) throws -> StudentTPrediction {
        try predict(columnMatrix(x), threads: threads)
    }

    /// The Student-t predictive t_{2a_N}(m_Nᵀφ, (b_N/a_N)(1 + φᵀV_Nφ)) at the rows of `x`.
    public func predict(_ x: Matrix, threads: Int? = nil) throws -> StudentTPrediction {
        let p = try gaussian.predict(x, threads: threads)
        let s2 = scale / shape
        return StudentTPrediction(mean: p.mean, scale: p.epistemicVariance.map { (s2 * (1 + $0)).squareRoot() },
                                  degreesOfFreedom: 2 * shape)
    }

    /// ln p(y) = −n/2 ln 2π + ½ ln|V₀⁻¹| − ½ ln|V_N⁻¹| + a₀ ln b₀ − a_N ln b_N
    /// + ln Γ(a_N) − ln Γ(a₀): the multivariate-t marginal of y. Needs every
    /// prior precision > 0.
    public func logEvidence() throws -> Double {
        let prec = gaussian.priorPrecision
        if let j = prec.firstIndex(of: 0) {
            throw BayesKitError.invalidArgument(
                "the evidence needs a proper prior: coefficient \(j) has prior precision 0 (alpha = 0)")
        }
        let n = Double(gaussian.statistics.count)
        let l = gaussian.precisionFactor
        let logdetPost = (0..<l.rows).reduce(0.0) { $0 + 2 * Foundation.log(l[$1, $1]) }
        let logdetPrior = prec.reduce(0.0) { $0 + Foundation.log($1) }
        return -n / 2 * Foundation.log(2 * Double.pi) + 0.5 * logdetPrior - 0.5 * logdetPost
            + priorShape * Foundation.log(priorScale) - shape * Foundation.log(scale) + lgamma(shape) - lgamma(priorShape)
    }
}

/// Student-t predictive distributions, one per input.
public struct StudentTPrediction: Sendable, Codable, Equatable {
    public let mean: [Double]
    /// The t scale per input (not the standard deviation).
    public let scale: [Double]
    /// ν = 2a_N.
    public let degreesOfFreedom: Double

    /// Standard deviations scale·√(ν/(ν − 2)); infinite for ν ≤ 2.
    public var standardDeviation: [Double] {
        let nu = degreesOfFreedom
        return scale.map { nu > 2 ? $0 * (nu / (nu - 2)).squareRoot() : .infinity }
    }

    /// The predictive distribution at input `i`.
    public func distribution(_ i: Int) throws -> StudentT { try StudentT(nu: degreesOfFreedom, loc: mean[i], scale: scale[i]) }
}
