internal import CBayesKit

/// A Markov transition kernel the ``MCMC`` driver can run: BlackJAX's shape,
/// `init(position) -> state`, `step(rng, state) -> (state, info)`, in C.
/// Conforming types are BayesKit's own (``RandomWalkMetropolis``,
/// ``IndependenceMetropolis``, ``HMC``, ``NUTS``).
public protocol MCMCKernel: Sendable {
    /// Short name for reports, e.g. `"rwmh"`.
    var name: String { get }
}

/// What the driver needs from a kernel: its C vtable and parameters, valid inside `body`.
protocol CKernel: MCMCKernel {
    func withCKernel<R>(dimension: Int, _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R
    /// The vtable for a given model: stochastic-gradient kernels need its minibatch function.
    func withCKernel<R>(binding: ModelBinding, totalSteps: Int,
                        _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R
}

extension CKernel {
    /// Whether the kernel moves with the gradient (HMC, NUTS, SGLD, SGHMC).
    var usesGradient: Bool { self is NUTS || self is HMC || self is SGLD || self is SGHMC }

    func withCKernel<R>(binding: ModelBinding, totalSteps: Int,
                        _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        try withCKernel(dimension: binding.dimension, body)
    }
}

/// Random-walk Metropolis (Metropolis et al. 1953): propose
/// `θ' = θ + s·d ⊙ z`, `z ~ N(0, I)`, accept with probability
/// `min(1, p(θ')/p(θ))` (the proposal is symmetric, so no Hastings term).
/// `s` is ``scale``; `d` is ``diagonal`` (all ones when `nil`). During
/// warmup the driver can adapt `s` toward a target acceptance
/// (Robbins–Monro on `log s`); 0.234 is optimal for high-dimensional
/// Gaussian-like targets (Roberts, Gelman & Gilks 1997).
public struct RandomWalkMetropolis: CKernel, Equatable {
    public var scale: Double
    public var diagonal: [Double]?

    /// Isotropic random walk with step `scale` (seed 000: 0.01).
    public init(scale: Double) {
        self.scale = scale
        self.diagonal = nil
    }

    /// Random walk with per-parameter steps `scale · diagonal[i]`.
    public init(scale: Double = 1, diagonal: [Double]) {
        self.scale = scale
        self.diagonal = diagonal
    }

    public var name: String { "rwmh" }

    func withCKernel<R>(dimension: Int, _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        guard scale > 0, scale.isFinite else {
            throw BayesKitError.invalidArgument("proposal scale must be > 0 and finite, got \(scale)")
        }
        var config = bk_mh_config()
        config.scale = scale
        guard let diagonal else {
            config.kind = Int32(BK_MH_RANDOM_WALK.rawValue)
            return try withUnsafePointer(to: &config) { try body(bk_mh_kernel_type(), UnsafeRawPointer($0)) }
        }
        guard diagonal.count == dimension else {
            throw BayesKitError.dimensionMismatch(
                "diagonal proposal scale has \(diagonal.count) values but the model has \(dimension) parameters")
        }
        config.kind = Int32(BK_MH_RANDOM_WALK_DIAG.rawValue)
        return try diagonal.withUnsafeBufferPointer { d in
            config.diag_scale = d.baseAddress
            return try withUnsafePointer(to: &config) { try body(bk_mh_kernel_type(), UnsafeRawPointer($0)) }
        }
    }
}

/// Independence Metropolis–Hastings (Tierney 1994): propose
/// `θ' ~ q = N(mean, diag(sd²))` whatever the current `θ`, accept with
/// probability `min(1, p(θ') q(θ) / (p(θ) q(θ')))` — the Hastings correction
/// for an asymmetric proposal. Efficient when `q` resembles the target with
/// heavier tails; there is nothing to adapt.
public struct IndependenceMetropolis: CKernel, Equatable {
    public var mean: [Double]
    public var sd: [Double]

    public init(mean: [Double], sd: [Double]) {
        self.mean = mean
        self.sd = sd
    }

    public var name: String { "independence-mh" }

    func withCKernel<R>(dimension: Int, _ body: (UnsafePointer<bk_mcmc_kernel_type>, UnsafeRawPointer) throws -> R) throws -> R {
        guard mean.count == dimension, sd.count == dimension else {
            throw BayesKitError.dimensionMismatch(
                "independence proposal has \(mean.count) means and \(sd.count) sds but the model has \(dimension) parameters")
        }
        return try mean.withUnsafeBufferPointer { m in
            try sd.withUnsafeBufferPointer { s in
                var g = bk_independence_gaussian(dim: dimension, mean: m.baseAddress, sd: s.baseAddress)
                return try withUnsafeMutablePointer(to: &g) { gp in
                    var config = bk_mh_config()
                    config.kind = Int32(BK_MH_GENERAL.rawValue)
                    try check { bk_independence_gaussian_proposal(gp, &config.proposal, $0) }
                    return try withUnsafePointer(to: &config) { try body(bk_mh_kernel_type(), UnsafeRawPointer($0)) }
                }
            }
        }
    }
}
