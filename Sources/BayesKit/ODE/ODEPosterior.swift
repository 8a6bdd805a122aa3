internal import CBayesKit
import Foundation

/// The posterior over some parameters of an ODE system observed with
/// Gaussian noise of known standard deviation σ:
///
///     log p(θ | D) = Σₖ log πₖ(θₖ) − Σᵢ (dᵢ − y_s(tᵢ; θ))² / (2σ²) − n log(σ√(2π)) + const,
///
/// where `θ` are the free parameters (the others fixed), `y_s` the observed
/// state and `πₖ` the priors. The gradient comes from forward sensitivities:
/// `∂/∂θₖ = ∂ log πₖ + Σᵢ (dᵢ − y_s)/σ² · ∂y_s(tᵢ)/∂θₖ`. Outside a prior's
/// support the value is `-inf`; a trajectory that blows up also gives `-inf`
/// (a zero density, not an error); a solve that hits the step limit throws.
///
/// The C object behind it is the shared log-density callback
/// (`bk_ode_posterior_logdensity` in `include/bayeskit/ode.h`, with
/// `bk_ode_posterior_clone` per chain), so the MCMC drivers can sample it.
/// Calls on one instance are serialised by a lock; ``grid(_:threads:)``
/// evaluates in parallel on per-thread clones.
public final class ODEPosterior: @unchecked Sendable {
    public let system: ODESystem
    public let solver: ODESolver
    /// Names of the free parameters θ, in order.
    public let parameterNames: [String]
    public let priors: [any ContinuousDistribution]
    /// Every parameter of the system, the free ones at their last value given here (unused).
    public let baseParameters: [Double]
    public let initial: [Double]
    public let t0: Double
    public let times: [Double]
    public let observations: [Double]
    public let observedState: Int
    public let noiseSD: Double
    let raw: OpaquePointer
    private let lock = NSLock()

    /// - Parameters:
    ///   - free: the names of the parameters to infer, each with its prior in `priors`;
    ///   - fixed: values of the other parameters (all of them must be given);
    ///   - observations: the observed values of state `observedState` at `times`.
    public init(system: ODESystem, solver: ODESolver = ODESolver(), free: [String], priors: [any ContinuousDistribution],
                fixed: [String: Double] = [:], initial: [Double], t0: Double = 0, times: [Double], observations: [Double],
                observedState: Int = 0, noiseSD: Double) throws {
        guard free.count == priors.count else {
            throw BayesKitError.dimensionMismatch("\(free.count) free parameters but \(priors.count) priors")
        }
        guard times.count == observations.count else {
            throw BayesKitError.dimensionMismatch("\(times.count) observation times but \(observations.count) observations")
        }
        var indices: [Int] = []
        for name in free {
            guard let i = system.parameterNames.firstIndex(of: name) else {
                throw BayesKitError.invalidArgument(
                    "system '\(system.name)' has no parameter '\(name)'; its parameters: \(system.parameterNames.joined(separator: ", "))")
            }
            indices.append(i)
        }
        var base = [Double](repeating: .nan, count: system.parameterNames.count)
        for (name, value) in fixed {
            guard let i = system.parameterNames.firstIndex(of: name) else {
                throw BayesKitError.invalidArgument(
                    "system '\(system.name)' has no parameter '\(name)'; its parameters: \(system.parameterNames.joined(separator: ", "))")
            }
            guard !indices.contains(i) else { throw BayesKitError.invalidArgument("parameter '\(name)' is both free and fixed") }
            base[i] = value
        }
        for i in base.indices where !indices.contains(i) && base[i].isNaN {
            throw BayesKitError.invalidArgument(
                "parameter '\(system.parameterNames[i])' of system '\(system.name)' is neither free nor fixed: give its value in fixed:")
        }
        for i in indices { base[i] = 0 }
        guard observedState >= 0, observedState < system.dimension else {
            throw BayesKitError.invalidArgument("observed state \(observedState) is out of range (0..<\(system.dimension))")
        }
        try system.checkShapes(parameters: base.count, initial: initial.count)
        let cores = try priors.enumerated().map { k, p -> bk_dist in
            guard let c = (p as? ODEPriorConvertible)?.odePriorCore else {
                throw BayesKitError.invalidArgument("the prior of '\(free[k])' must be one of BayesKit's continuous distributions")
            }
            return bk_dist(kind: c.kind, p: (c.p0, c.p1, c.p2))
        }
        var opt = try solver.options()
        let free64 = indices.map { Int($0) }, observed = [observedState]
        var handle: OpaquePointer?
        try system.withCSystem { sys in
            try free64.withUnsafeBufferPointer { fb in
                try observed.withUnsafeBufferPointer { ob in
                    try cores.withUnsafeBufferPointer { pb in
                        try base.withUnsafeBufferPointer { bb in
                            try initial.withUnsafeBufferPointer { ib in
                                try times.withUnsafeBufferPointer { tb in
                                    try observations.withUnsafeBufferPointer { db in
                                        try withUnsafePointer(to: &opt) { op in
                                            var cfg = bk_ode_posterior_config(
                                                system: sys, options: op, params: bb.baseAddress, y0: ib.baseAddress, t0: t0,
                                                nfree: free.count, free: UnsafeRawPointer(fb.baseAddress!).assumingMemoryBound(to: Int.self),
                                                priors: pb.baseAddress, nobs: times.count, times: tb.baseAddress, nobserved: 1,
                                                observed: UnsafeRawPointer(ob.baseAddress!).assumingMemoryBound(to: Int.self),
                                                obs: db.baseAddress, noise_sd: noiseSD)
                                            try check { bk_ode_posterior_alloc(&cfg, &handle, $0) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.raw = handle!
        self.system = system
        self.solver = solver
        self.parameterNames = free
        self.priors = priors
        self.baseParameters = base
        self.initial = initial
        self.t0 = t0
        self.times = times
        self.observations = observations
        self.observedState = observedState
        self.noiseSD = noiseSD
    }

    deinit { bk_ode_posterior_free(raw) }

    /// Number of free parameters.
    public var dimension: Int { parameterNames.count }

    /// Seed 001's oscillator posterior: θ = (ζ, ω) with ζ ~ Uniform(0, 0.25),
    /// ω ~ Uniform(0.6, 1.6), x(0) = 1, v(0) = 0, displacement observed with
    /// noise sd `noiseSD` (0.05).
    public static func oscillator(times: [Double], observations: [Double], noiseSD: Double = 0.05,
                                  solver: ODESolver = ODESolver(), zetaPrior: (any ContinuousDistribution)? = nil,
                                  omegaPrior: (any ContinuousDistribution)? = nil) throws -> ODEPosterior {
        try ODEPosterior(system: .oscillator, solver: solver, free: ["zeta", "omega"],
                         priors: [try zetaPrior ?? Uniform(low: 0, high: 0.25), try omegaPrior ?? Uniform(low: 0.6, high: 1.6)],
                         initial: [1, 0], times: times, observations: observations, noiseSD: noiseSD)
    }

    private func checkTheta(_ theta: [Double]) throws {
        guard theta.count == dimension else {
            throw BayesKitError.dimensionMismatch("parameter vector has \(theta.count) values but the posterior has \(dimension)")
        }
    }

    private func failure(_ status: Int32) -> BayesKitError {
        BayesKitError(status: status, record: bk_ode_posterior_error(raw).pointee)
    }

    /// `log p(θ | D)` up to the evidence.
    public func logDensity(_ theta: [Double]) throws -> Double {
        try checkTheta(theta)
        lock.lock()
        defer { lock.unlock() }
        var lp = 0.0
        let st = bk_ode_posterior_logdensity(UnsafeMutableRawPointer(raw), theta.count, theta, &lp, nil)
        if st != 0 { throw failure(st) }
        return lp
    }

    /// `log p(θ | D)` and its gradient (forward sensitivities).
    public func logDensityAndGradient(_ theta: [Double]) throws -> (value: Double, gradient: [Double]) {
        try checkTheta(theta)
        lock.lock()
        defer { lock.unlock() }
        var lp = 0.0
        var grad = [Double](repeating: 0, count: dimension)
        let st = bk_ode_posterior_logdensity(UnsafeMutableRawPointer(raw), theta.count, theta, &lp, &grad)
        if st != 0 { throw failure(st) }
        return (lp, grad)
    }

    /// The log prior and the log likelihood separately (the likelihood is NaN where the prior is zero).
    public func terms(_ theta: [Double]) throws -> (logPrior: Double, logLikelihood: Double) {
        try checkTheta(theta)
        lock.lock()
        defer { lock.unlock() }
        var lp = 0.0, ll = 0.0
        let st = bk_ode_posterior_terms(raw, theta, &lp, &ll)
        if st != 0 { throw failure(st) }
        return (lp, ll)
    }

    /// Log prior, log likelihood and log posterior at many points (`points × dimension`, row-major), in parallel.
    func evaluate(points: [Double], threads: Int?) throws -> (logPosterior: [Double], logLikelihood: [Double]) {
        let count = points.count / max(1, dimension)
        let nthreads = try threadArgument(threads)
        var post = [Double](repeating: .nan, count: count), lik = [Double](repeating: .nan, count: count)
        lock.lock()
        defer { lock.unlock() }
        try post.withUnsafeMutableBufferPointer { pb in
            try lik.withUnsafeMutableBufferPointer { lb in
                try check { bk_ode_posterior_grid(raw, count, points, pb.baseAddress, nil, lb.baseAddress, nthreads, $0) }
            }
        }
        return (post, lik)
    }

    /// The posterior on the rectangular grid spanned by `axes` (one per free
    /// parameter, in order; 1–3 of them), evaluated in parallel.
    public func grid(_ axes: [GridAxis], threads: Int? = nil) throws -> GridPosterior {
        guard axes.count == dimension else {
            throw BayesKitError.dimensionMismatch("\(axes.count) grid axes for \(dimension) free parameters (\(parameterNames.joined(separator: ", ")))")
        }
        guard (1...3).contains(axes.count) else {
            throw BayesKitError.invalidArgument("grid posteriors need 1 to 3 dimensions, got \(axes.count)")
        }
        let points = GridPosterior.points(axes)
        let (lp, ll) = try evaluate(points: points, threads: threads)
        return try GridPosterior(axes: axes, logPosterior: lp, logLikelihood: ll)
    }

    /// The posterior predictive of the observed state at `times` from a grid
    /// posterior: the mixture over grid points with their probabilities
    /// (points holding all but `1e-12` of the mass are solved, in parallel).
    /// `sd` is the epistemic spread of the trajectory, `totalSD` adds the noise.
    public func predictive(_ grid: GridPosterior, times: [Double], threads: Int? = nil) throws -> ODEPredictive {
        let (thetas, weights) = grid.support(massTolerance: 1e-12)
        let np = baseParameters.count
        var flat = [Double](), used = [Double]()
        flat.reserveCapacity(thetas.count * np)
        for (theta, w) in zip(thetas, weights) {
            var p = baseParameters
            for (k, name) in parameterNames.enumerated() { p[system.parameterNames.firstIndex(of: name)!] = theta[k] }
            flat += p
            used.append(w)
        }
        let batch = try solver.solveBatch(system, flatParameters: flat, sets: used.count, initial: initial, t0: t0,
                                          times: times, threads: threads)
        let total = used.reduce(0, +)
        var mean = [Double](repeating: 0, count: times.count), second = mean
        for s in 0..<used.count {
            let w = used[s] / total
            let traj = batch.trajectory(s, state: observedState)
            for i in times.indices {
                mean[i] += w * traj[i]
                second[i] += w * traj[i] * traj[i]
            }
        }
        let sd = zip(mean, second).map { max(0, $1 - $0 * $0).squareRoot() }
        return ODEPredictive(times: times, mean: mean, sd: sd,
                             totalSD: sd.map { ($0 * $0 + noiseSD * noiseSD).squareRoot() }, points: used.count)
    }

    /// A new C context (for a sampler chain); the caller frees it with `bk_ode_posterior_free`.
    func cloneHandle() throws -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        var out: OpaquePointer?
        try check { bk_ode_posterior_clone(raw, &out, $0) }
        return out!
    }
}

/// The posterior predictive of an ODE posterior at some times.
public struct ODEPredictive: Sendable, Codable {
    public let times: [Double]
    /// Posterior mean trajectory of the observed state.
    public let mean: [Double]
    /// Epistemic standard deviation (spread of the trajectories).
    public let sd: [Double]
    /// `√(sd² + σ²)`: the spread of a new observation.
    public let totalSD: [Double]
    /// Grid points (or draws) that were solved.
    public let points: Int
}

/// BayesKit's continuous families expose their validated C parameters to the ODE posterior.
protocol ODEPriorConvertible { var odePriorCore: DistributionCore { get } }
extension Normal: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension StudentT: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension Cauchy: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension Uniform: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension LogNormal: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension Gamma: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension InverseGamma: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension Exponential: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension Beta: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension HalfNormal: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
extension HalfCauchy: ODEPriorConvertible { var odePriorCore: DistributionCore { core } }
