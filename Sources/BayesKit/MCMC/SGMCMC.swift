internal import CBayesKit

/// The step size `ε_t` of a stochastic-gradient sampler over its updates `t`.
public enum StepSizeSchedule: Sendable, Equatable, Codable {
    /// `ε_t = a`.
    case constant(Double)
    /// `ε_t = a (b + t)^(−γ)`, `γ ∈ (0.5, 1]`: Welling & Teh's decreasing steps
    /// (`Σ ε_t = ∞`, `Σ ε_t² < ∞`), under which SGLD converges to the posterior.
    case polynomial(a: Double, b: Double, gamma: Double)
    /// Zhang et al. 2020 (cSG-MCMC): `ε_k = (a/2)(cos(π (k mod K)/K) + 1)` over
    /// `cycles` cycles of length `K`; the first `exploration` fraction of every
    /// cycle moves without noise (optimisation), the rest samples. Every
    /// driver iteration is a sampling step: a cycle's exploration steps run
    /// inside its first iteration.
    case cyclical(a: Double, cycles: Int, exploration: Double = 0.5)

    func apply(to c: inout bk_sgmcmc_config, totalSteps: Int) {
        switch self {
        case .constant(let a):
            c.schedule = Int32(BK_SG_CONSTANT.rawValue)
            c.step_size = a
        case .polynomial(let a, let b, let g):
            c.schedule = Int32(BK_SG_POLYNOMIAL.rawValue)
            c.step_size = a
            c.b = b
            c.gamma = g
        case .cyclical(let a, let m, let e):
            c.schedule = Int32(BK_SG_CYCLICAL.rawValue)
            c.step_size = a
            c.cycles = max(m, 0)
            c.exploration = e
            c.total_steps = UInt64(max(totalSteps, 0))
        }
    }
}

/// What SGLD and SGHMC share: the C configuration against a model with minibatches.
protocol StochasticGradientKernel: CKernel {
    var batchSize: Int { get }
    var stepSize: StepSizeSchedule { get }
    func configure(_ c: inout bk_sgmcmc_config)
}

extension StochasticGradientKernel {
    func withCKernel<R>(dimension: Int, _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        throw BayesKitError.invalidArgument(
            "\(name) needs a model that is a sum over data items (a BNN posterior or a MinibatchLogDensity)")
    }

    func withCKernel<R>(binding: ModelBinding, totalSteps: Int,
                        _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        guard let minibatch = binding.minibatch, binding.rows > 0 else {
            return try withCKernel(dimension: binding.dimension, body)
        }
        var c = bk_sgmcmc_config()
        c.nrows = binding.rows
        c.batch_size = max(batchSize, 0)
        c.minibatch = minibatch
        stepSize.apply(to: &c, totalSteps: totalSteps)
        configure(&c)
        try check { bk_sgmcmc_config_check(&c, $0) }
        return try withUnsafePointer(to: &c) { try body(bk_sgmcmc_kernel_type(), UnsafeRawPointer($0)) }
    }
}

/// Stochastic-gradient Langevin dynamics (Welling & Teh 2011, ICML):
///
///     θ ← θ + (ε_t/2) ∇ log p̃(θ) + N(0, ε_t I),
///     log p̃(θ) = log p(θ) + (N/B) Σ_{i∈B} log p(y_i | θ),
///
/// on a fresh minibatch of `batchSize` rows each step (drawn from the
/// chain's stream: the same draws on any thread count). With decreasing
/// steps (``StepSizeSchedule/polynomial(a:b:gamma:)``) the iterates sample
/// the posterior without an accept/reject step.
public struct SGLD: StochasticGradientKernel, Equatable {
    public var stepSize: StepSizeSchedule
    public var batchSize: Int

    public init(stepSize: StepSizeSchedule, batchSize: Int) {
        self.stepSize = stepSize
        self.batchSize = batchSize
    }

    public var name: String { "sgld" }
    func configure(_ c: inout bk_sgmcmc_config) { c.kind = Int32(BK_SGLD.rawValue) }
}

/// Stochastic-gradient Hamiltonian Monte Carlo (Chen, Fox & Guestrin 2014,
/// ICML, eq. 15) in the momentum ("v") form with learning rate `η_t = ε_t`,
/// friction `α` and gradient-noise estimate `β̂`:
///
///     v ← (1 − α) v + η_t ∇ log p̃(θ) + N(0, 2(α − β̂) η_t I),   θ ← θ + v.
///
/// The friction absorbs the minibatch noise that makes naive stochastic HMC
/// diverge. ``StepSizeSchedule/cyclical(a:cycles:exploration:)`` gives cSG-MCMC.
public struct SGHMC: StochasticGradientKernel, Equatable {
    public var stepSize: StepSizeSchedule
    public var batchSize: Int
    public var friction: Double
    public var noiseEstimate: Double

    public init(stepSize: StepSizeSchedule, batchSize: Int, friction: Double = 0.1, noiseEstimate: Double = 0) {
        self.stepSize = stepSize
        self.batchSize = batchSize
        self.friction = friction
        self.noiseEstimate = noiseEstimate
    }

    public var name: String { "sghmc" }
    func configure(_ c: inout bk_sgmcmc_config) {
        c.kind = Int32(BK_SGHMC.rawValue)
        c.friction = friction
        c.noise_estimate = noiseEstimate
    }
}
