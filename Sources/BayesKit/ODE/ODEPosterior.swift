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
/// More unknowns (``init(system:solver:free:priors:fixed:initial:freeInitial:initialPriors:t0:times:observations:observedState:noise:)``):
/// free initial states `y₀[j]` join θ after the parameters, their gradient
/// from the variational equations `Z' = J Z, Z(t₀) = I` (`Z = ∂y/∂y₀`), and
/// with ``ODENoise/inferred(prior:)`` the last entry of θ is `s = log σ`:
/// `log p += log π_σ(eˢ) + s − Σ r²/(2e²ˢ) − n s`, `∂/∂s = Σ r²/σ² − n + ∂ log π`.
///
/// The C object behind it is the shared log-density callback
/// (`bk_ode_posterior_logdensity` in `include/bayeskit/ode.h`, with
/// `bk_ode_posterior_clone` per chain), so the MCMC drivers can sample it
/// (``MCMC/run(_:initial:seed:threads:drawsFolder:keepInMemory:progress:)-(ODEPosterior,_,_,_,_,_,_)``).
/// Calls on one instance are serialised by a lock; ``grid(_:threads:)``
/// evaluates in parallel on per-thread clones.
public final class ODEPosterior: @unchecked Sendable {
    public let system: ODESystem
    public let solver: ODESolver
    /// Names of the entries of θ, in order: the free parameters, then the
    /// free initial states (`x0`, `v0`: state name + `0`), then `log_sigma`
    /// when the noise is inferred.
    public let parameterNames: [String]
    /// Priors of the free parameters, then of the free initial states.
    public let priors: [any ContinuousDistribution]
    /// Every parameter of the system, the free ones at their last value given here (unused).
    public let baseParameters: [Double]
    public let initial: [Double]
    /// Indices of the free initial states (in θ after the parameters).
    public let freeInitial: [Int]
    public let t0: Double
    public let times: [Double]
    public let observations: [Double]
    public let observedState: Int
    /// The known noise sd; with inferred noise, the sd of ``ODENoise/inferred(prior:)``'s placeholder (NaN).
    public let noiseSD: Double
    public let noise: ODENoise
    /// Number of free system parameters (the leading entries of θ).
    public let freeParameterCount: Int
    let raw: OpaquePointer
    private let lock = NSLock()

    /// The posterior of the `free` parameters of `system` with a known noise sd.
    ///
    /// - Parameters:
    ///   - system: the ODE system.
    ///   - solver: the integrator and its tolerances.
    ///   - free: the names of the parameters to infer, each with its prior in `priors`;
    ///   - priors: one prior per free parameter.
    ///   - fixed: values of the other parameters (all of them must be given);
    ///   - initial: the initial state at `t0`.
    ///   - t0: the initial time.
    ///   - times: the observation times (increasing, after `t0`).
    ///   - observations: the observed values of state `observedState` at `times`.
    ///   - observedState: the index of the observed state.
    ///   - noiseSD: the known sd of the Gaussian observation noise.
    public convenience init(system: ODESystem, solver: ODESolver = ODESolver(), free: [String], priors: [any ContinuousDistribution],
                            fixed: [String: Double] = [:], initial: [Double], t0: Double = 0, times: [Double],
                            observations: [Double], observedState: Int = 0, noiseSD: Double) throws {
        try self.init(system: system, solver: solver, free: free, priors: priors, fixed: fixed, initial: initial,
                      freeInitial: [], initialPriors: [], t0: t0, times: times, observations: observations,
                      observedState: observedState, noise: .known(noiseSD))
    }

    /// The general form: parameters `free` (priors `priors`), initial states
    /// `freeInitial` (state names, priors `initialPriors`; their values in
    /// `initial` are then unused) and the noise, known or inferred.
    public init(system: ODESystem, solver: ODESolver = ODESolver(), free: [String], priors: [any ContinuousDistribution],
                fixed: [String: Double] = [:], initial: [Double], freeInitial: [String],
                initialPriors: [any ContinuousDistribution], t0: Double = 0, times: [Double], observations: [Double],
                observedState: Int = 0, noise: ODENoise) throws {
        guard free.count == priors.count else {
            throw BayesKitError.dimensionMismatch("\(free.count) free parameters but \(priors.count) priors")
        }
        guard freeInitial.count == initialPriors.count else {
            throw BayesKitError.dimensionMismatch("\(freeInitial.count) free initial states but \(initialPriors.count) priors")
        }
        let initIndices = try freeInitial.map { name -> Int in
            guard let j = system.stateNames.firstIndex(of: name) ?? system.stateNames.firstIndex(where: { $0 + "0" == name }) else {
                throw BayesKitError.invalidArgument(
                    "system '\(system.name)' has no state '\(name)'; its states: \(system.stateNames.joined(separator: ", "))")
            }
            return j
        }
        if Set(initIndices).count != initIndices.count { throw BayesKitError.invalidArgument("a free initial state is listed twice") }
        guard !free.isEmpty || !freeInitial.isEmpty || noise.isInferred else {
            throw BayesKitError.invalidArgument("nothing to infer: give free parameters, free initial states or an inferred noise")
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
        let names = free + initIndices.map { system.stateNames[$0] + "0" }
        let cores = try zip(names, priors + initialPriors).map { name, p in try Self.core(p, "the prior of '\(name)'") }
        var extra = bk_ode_posterior_extra()
        extra.infer_noise = noise.isInferred ? 1 : 0
        let knownSD: Double
        switch noise {
        case .known(let sd):
            knownSD = sd
        case .inferred(let prior):
            knownSD = 1
            extra.noise_prior = try Self.core(prior, "the noise prior")
        case .inferredLogScale(let prior):
            knownSD = 1
            extra.noise_prior = try Self.core(prior, "the log-noise prior")
            extra.noise_prior_log = 1
        }
        var opt = try solver.options()
        let observed = [observedState]
        var y0 = initial
        for j in initIndices where !y0[j].isFinite { y0[j] = 0 }  // unused: theta sets it
        var handle: OpaquePointer?
        let cInit = initIndices, cFree = indices
        try system.withCSystem { sys in
            try withUnsafePointer(to: &opt) { op in
                try base.withUnsafeBufferPointer { bb in
                    try y0.withUnsafeBufferPointer { yb in
                        try cFree.withUnsafeBufferPointer { fb in
                            try cores.withUnsafeBufferPointer { pb in
                                try times.withUnsafeBufferPointer { tb in
                                    try observed.withUnsafeBufferPointer { ob in
                                        try observations.withUnsafeBufferPointer { db in
                                            try cInit.withUnsafeBufferPointer { ib in
                                                var cfg = bk_ode_posterior_config(
                                                    system: sys, options: op, params: bb.baseAddress, y0: yb.baseAddress,
                                                    t0: t0, nfree: free.count, free: fb.baseAddress, priors: pb.baseAddress,
                                                    nobs: times.count, times: tb.baseAddress, nobserved: 1,
                                                    observed: ob.baseAddress, obs: db.baseAddress, noise_sd: knownSD)
                                                extra.ninitial = cInit.count
                                                extra.initial = ib.baseAddress
                                                extra.initial_priors = cInit.isEmpty ? nil : pb.baseAddress! + free.count
                                                try check { bk_ode_posterior_alloc_extra(&cfg, &extra, &handle, $0) }
                                            }
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
        self.parameterNames = names + (noise.isInferred ? ["log_sigma"] : [])
        self.priors = priors + initialPriors
        self.baseParameters = base
        self.initial = initial
        self.freeInitial = initIndices
        self.freeParameterCount = free.count
        self.t0 = t0
        self.times = times
        self.observations = observations
        self.observedState = observedState
        self.noise = noise
        self.noiseSD = noise.isInferred ? .nan : knownSD
    }

    static func core(_ p: any ContinuousDistribution, _ what: String) throws -> bk_dist {
        guard let c = (p as? ODEPriorConvertible)?.odePriorCore else {
            throw BayesKitError.invalidArgument("\(what) must be one of BayesKit's continuous distributions")
        }
        return bk_dist(kind: c.kind, p: (c.p0, c.p1, c.p2))
    }

    /// What θ means: every system parameter, the initial state and the noise sd.
    public func unpack(_ theta: [Double]) throws -> (parameters: [Double], initial: [Double], noiseSD: Double) {
        try checkTheta(theta)
        var p = [Double](repeating: 0, count: baseParameters.count), y0 = [Double](repeating: 0, count: initial.count)
        var sd = 0.0
        _ = bk_ode_posterior_unpack(raw, theta, &p, &y0, &sd)
        return (p, y0, sd)
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
        let batch = try solveDraws(thetas, times: times, threads: threads)
        let total = weights.reduce(0, +)
        var mean = [Double](repeating: 0, count: times.count), second = mean, noiseVar = 0.0
        for s in 0..<weights.count {
            let w = weights[s] / total
            let traj = batch.trajectories.trajectory(s, state: observedState)
            noiseVar += w * batch.noiseSD[s] * batch.noiseSD[s]
            for i in times.indices {
                mean[i] += w * traj[i]
                second[i] += w * traj[i] * traj[i]
            }
        }
        let sd = zip(mean, second).map { max(0, $1 - $0 * $0).squareRoot() }
        if case .known(let sigma) = noise { noiseVar = sigma * sigma }  // exactly σ², not a sum of weights
        return ODEPredictive(times: times, mean: mean, sd: sd,
                             totalSD: sd.map { ($0 * $0 + noiseVar).squareRoot() }, points: weights.count)
    }

    /// The trajectories at `times` of every θ in `thetas` (one parallel batch
    /// solve) and the noise sd of each.
    func solveDraws(_ thetas: [[Double]], times: [Double], threads: Int?) throws
        -> (trajectories: ODEBatchSolution, noiseSD: [Double]) {
        var params = [Double](), y0s = [Double](), sds = [Double]()
        params.reserveCapacity(thetas.count * baseParameters.count)
        y0s.reserveCapacity(thetas.count * initial.count)
        for theta in thetas {
            let u = try unpack(theta)
            params += u.parameters
            y0s += u.initial
            sds.append(u.noiseSD)
        }
        let batch = try solver.solveBatch(system, flatParameters: params, sets: thetas.count, initials: y0s, t0: t0,
                                          times: times, threads: threads)
        return (batch, sds)
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

/// The observation noise of an ``ODEPosterior``.
public enum ODENoise: Sendable {
    /// Known standard deviation σ (seed 001: 0.05).
    case known(Double)
    /// Unknown σ with a prior on σ (e.g. `HalfNormal(scale: 0.2)`); θ holds `log σ` (with the Jacobian `+ log σ`).
    case inferred(prior: any ContinuousDistribution)
    /// Unknown σ with a prior on `log σ` itself (θ's last entry).
    case inferredLogScale(prior: any ContinuousDistribution)

    /// Log-uniform σ on `[low, high]`: `log σ ~ Uniform(log low, log high)`, density ∝ 1/σ.
    public static func logUniform(low: Double, high: Double) throws -> ODENoise {
        guard low > 0, high > low, high.isFinite else {
            throw BayesKitError.invalidArgument("log-uniform noise bounds must satisfy 0 < low < high < inf; got \(low), \(high)")
        }
        return .inferredLogScale(prior: try Uniform(low: Foundation.log(low), high: Foundation.log(high)))
    }

    public var isInferred: Bool {
        if case .known = self { return false }
        return true
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
