internal import CBayesKit

/// The mass matrix of Hamiltonian Monte Carlo, given by its inverse
/// `Σ = M⁻¹`: kinetic energy `T(p) = ½ pᵀ Σ p`, momenta `p ~ N(0, Σ⁻¹)`.
/// During warmup `Σ` is estimated from the draws (Stan's windowed adaptation).
public enum HMCMetric: String, Sendable, Codable, CaseIterable {
    /// `Σ = I` (no adaptation).
    case unit
    /// `Σ = diag(v)`, `v` the posterior variances (Stan's default `diag_e`).
    case diagonal
    /// `Σ` the full posterior covariance (Stan's `dense_e`): for strongly correlated targets.
    case dense
}

/// The No-U-Turn Sampler (Hoffman & Gelman 2014) in the multinomial form
/// with the generalised U-turn criterion of Stan (Betancourt 2017, "A
/// conceptual introduction to Hamiltonian Monte Carlo"): leapfrog
/// trajectories
/// `p ← p + ½ε∇log π(q); q ← q + εΣp; p ← p + ½ε∇log π(q)`
/// doubled in random directions until `p♯₋·ρ ≤ 0` or `p♯₊·ρ ≤ 0` (`ρ` the
/// summed momenta, `p♯ = Σp`) or the depth reaches ``maxTreeDepth``; the
/// draw is sampled among the trajectory's states with weights `exp(−H)`.
/// Warmup (when ``MCMC/adaptScale``) runs Stan's adaptation: dual averaging
/// of `ε` toward ``targetAccept`` (γ 0.05, t₀ 10, κ 0.75) and windowed
/// estimation of the metric (buffers 75/50, windows 25, 50, 100, ...).
/// A leapfrog state whose energy error exceeds 1000 or whose log density is
/// not finite is a divergence: reported, never an error. Needs a gradient.
public struct NUTS: CKernel, Equatable {
    /// The dual-averaging target for the mean acceptance statistic (Stan's `delta`).
    public var targetAccept: Double
    /// Maximum tree depth: at most `2^maxTreeDepth − 1` leapfrog steps per draw.
    public var maxTreeDepth: Int
    public var metric: HMCMetric
    /// The initial step size (adaptation starts from it; Stan: 1).
    public var stepSize: Double
    /// Initial inverse metric: `dimension` variances (diagonal) or `dimension²` row-major values (dense); `nil` = identity.
    public var inverseMetric: [Double]?
    /// Divergence threshold on the energy error `H − H₀`.
    public var maxEnergyError: Double

    public init(targetAccept: Double = 0.8, maxTreeDepth: Int = 10, metric: HMCMetric = .diagonal, stepSize: Double = 1,
                inverseMetric: [Double]? = nil, maxEnergyError: Double = 1000) {
        self.targetAccept = targetAccept
        self.maxTreeDepth = maxTreeDepth
        self.metric = metric
        self.stepSize = stepSize
        self.inverseMetric = inverseMetric
        self.maxEnergyError = maxEnergyError
    }

    public var name: String { "nuts" }

    func withCKernel<R>(dimension: Int, _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        guard maxTreeDepth >= 1, maxTreeDepth <= 30 else {
            throw BayesKitError.invalidArgument("maximum tree depth must be in 1...30, got \(maxTreeDepth)")
        }
        var c = bk_hmc_config()
        c.algorithm = Int32(BK_HMC_NUTS.rawValue)
        c.max_depth = Int32(maxTreeDepth)
        return try HMCSettings(metric: metric, stepSize: stepSize, inverseMetric: inverseMetric, targetAccept: targetAccept,
                               maxEnergyError: maxEnergyError).with(c, dimension: dimension, body)
    }
}

/// Hamiltonian Monte Carlo with a fixed trajectory (Duane et al. 1987; Neal
/// 2011, "MCMC using Hamiltonian dynamics"): ``steps`` leapfrog steps of size
/// ``stepSize`` (or `⌊pathLength/ε⌋` steps), accepted with probability
/// `min(1, exp(H₀ − H))`. With ``MCMC/adaptScale`` the step size (and the
/// metric unless `.unit`) adapt during warmup as for ``NUTS``; set
/// `adaptScale: false` to keep `ε` fixed. Needs a gradient.
public struct HMC: CKernel, Equatable {
    public var stepSize: Double
    /// Leapfrog steps per draw (`nil`: use ``pathLength``).
    public var steps: Int?
    /// Integration time `T`: `max(1, ⌊T/ε⌋)` steps (Stan's static HMC `int_time`).
    public var pathLength: Double?
    public var metric: HMCMetric
    public var targetAccept: Double
    public var inverseMetric: [Double]?
    public var maxEnergyError: Double

    /// `steps` leapfrog steps of size `stepSize`.
    public init(stepSize: Double, steps: Int, metric: HMCMetric = .diagonal, targetAccept: Double = 0.8,
                inverseMetric: [Double]? = nil, maxEnergyError: Double = 1000) {
        self.stepSize = stepSize
        self.steps = steps
        self.pathLength = nil
        self.metric = metric
        self.targetAccept = targetAccept
        self.inverseMetric = inverseMetric
        self.maxEnergyError = maxEnergyError
    }

    /// Trajectories of integration time `pathLength` (steps follow the adapted step size).
    public init(stepSize: Double, pathLength: Double, metric: HMCMetric = .diagonal, targetAccept: Double = 0.8,
                inverseMetric: [Double]? = nil, maxEnergyError: Double = 1000) {
        self.stepSize = stepSize
        self.steps = nil
        self.pathLength = pathLength
        self.metric = metric
        self.targetAccept = targetAccept
        self.inverseMetric = inverseMetric
        self.maxEnergyError = maxEnergyError
    }

    public var name: String { "hmc" }

    func withCKernel<R>(dimension: Int, _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        var c = bk_hmc_config()
        c.algorithm = Int32(BK_HMC_STATIC.rawValue)
        if let steps {
            guard steps >= 1 else { throw BayesKitError.invalidArgument("leapfrog steps must be >= 1, got \(steps)") }
            c.n_steps = Int32(clamping: steps)
        } else {
            let t = pathLength ?? .nan
            guard t > 0, t.isFinite else { throw BayesKitError.invalidArgument("path length must be > 0 and finite, got \(t)") }
            c.path_length = t
        }
        return try HMCSettings(metric: metric, stepSize: stepSize, inverseMetric: inverseMetric, targetAccept: targetAccept,
                               maxEnergyError: maxEnergyError).with(c, dimension: dimension, body)
    }
}

/// What HMC and NUTS share: validation and the C configuration.
private struct HMCSettings {
    let metric: HMCMetric
    let stepSize: Double
    let inverseMetric: [Double]?
    let targetAccept: Double
    let maxEnergyError: Double

    func with<R>(_ base: bk_hmc_config, dimension: Int,
                 _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        guard stepSize > 0, stepSize.isFinite else {
            throw BayesKitError.invalidArgument("step size must be > 0 and finite, got \(stepSize)")
        }
        guard targetAccept > 0, targetAccept < 1 else {
            throw BayesKitError.invalidArgument("target acceptance must be in (0, 1), got \(targetAccept)")
        }
        guard maxEnergyError > 0 else {
            throw BayesKitError.invalidArgument("divergence threshold must be > 0, got \(maxEnergyError)")
        }
        var c = base
        c.step_size = stepSize
        c.target_accept = targetAccept
        c.max_energy_error = maxEnergyError
        switch metric {
        case .unit: c.metric = Int32(BK_METRIC_UNIT.rawValue)
        case .diagonal: c.metric = Int32(BK_METRIC_DIAG.rawValue)
        case .dense: c.metric = Int32(BK_METRIC_DENSE.rawValue)
        }
        c.adapt_metric = metric == .unit ? 0 : 1
        guard let inverseMetric else {
            return try withUnsafePointer(to: &c) { try body(bk_hmc_kernel_type(), UnsafeRawPointer($0)) }
        }
        let expected = metric == .dense ? dimension * dimension : dimension
        guard metric != .unit, inverseMetric.count == expected else {
            throw BayesKitError.dimensionMismatch(
                "inverse metric has \(inverseMetric.count) values; a \(metric.rawValue) metric of a \(dimension)-parameter model needs \(metric == .unit ? 0 : expected)")
        }
        return try inverseMetric.withUnsafeBufferPointer { m in
            c.inv_metric = m.baseAddress
            return try withUnsafePointer(to: &c) { try body(bk_hmc_kernel_type(), UnsafeRawPointer($0)) }
        }
    }
}

extension LogDensity {
    /// The mean wall time of one evaluation with gradient at `theta` over
    /// `repetitions` calls (Stan prints it before sampling).
    public func gradientCost(at theta: [Double], repetitions: Int = 100) throws -> Double {
        try ModelBinding(self, chains: 1).gradientCost(at: theta, repetitions: repetitions)
    }
}

extension BNNPosterior {
    /// The mean wall time of one log-posterior-with-gradient evaluation at `theta`.
    public func gradientCost(at theta: [Double], repetitions: Int = 100) throws -> Double {
        try ModelBinding(self, chains: 1).gradientCost(at: theta, repetitions: repetitions)
    }
}

extension ModelBinding {
    func gradientCost(at theta: [Double], repetitions: Int) throws -> Double {
        guard theta.count == dimension else {
            throw BayesKitError.dimensionMismatch("position has \(theta.count) values but the model has \(dimension) parameters")
        }
        var grad = [Double](repeating: 0, count: dimension)
        var seconds = 0.0
        try withExtendedLifetime(keepAlive) {
            do {
                try check { bk_logdensity_time(fn, contexts[0], dimension, theta, &grad, Int32(clamping: repetitions), &seconds, $0) }
            } catch let e as BayesKitError {
                if let message, let m = message(contexts[0]), m.pointee != 0 {
                    throw BayesKitError(e.code, "\(e.message): \(String(cString: m))")
                }
                throw e
            }
        }
        return seconds
    }
}
