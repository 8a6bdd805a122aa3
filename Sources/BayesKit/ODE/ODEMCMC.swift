internal import CBayesKit
import Foundation

/// One C posterior context per chain (`bk_ode_posterior_clone`: its own
/// solvers and buffers), freed with the binding.
final class ODEPosteriorContext {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { bk_ode_posterior_free(raw) }
}

private let odeMessage: bk_logdensity_message_fn = { ctx in bk_ode_posterior_message(ctx) }

extension ModelBinding {
    /// The ODE posterior for the C driver: `bk_ode_posterior_logdensity`
    /// with one clone (one ODE workspace) per chain.
    init(_ posterior: ODEPosterior, chains: Int) throws {
        let copies = try (0..<chains).map { _ in ODEPosteriorContext(try posterior.cloneHandle()) }
        dimension = posterior.dimension
        names = posterior.parameterNames
        fn = bk_ode_posterior_logdensity
        message = odeMessage
        contexts = copies.map { UnsafeMutableRawPointer($0.raw) }
        serial = bk_ode_posterior_serial(posterior.raw) != 0
        keepAlive = copies
    }
}

extension MCMC {
    /// Samples an ODE posterior (parameters, free initial states, `log σ`):
    /// `chains` chains in parallel, each with its own ODE workspace, chain
    /// `k` on random stream `k` of `seed` (the draws do not depend on
    /// `threads`). Starting points:
    /// - `.given`: one position per chain or one for all;
    /// - `.prior`: a draw from each prior (stream `2³² + k`; an inferred
    ///   noise starts at `log σ` of a prior draw);
    /// - `.map(steps:learningRate:)` (default): ``ODEPosterior/mapStart(seed:chain:candidates:steps:learningRate:)``,
    ///   the best of 64 prior draws, then Adam on `−log p(θ | D)` with the
    ///   sensitivity gradient.
    /// `.mse` is a BNN recipe and is refused. `drawsFolder`, `keepInMemory`
    /// and `progress` as for the BNN posterior.
    public func run(_ posterior: ODEPosterior, initial: Initialization = .map(), seed: UInt64 = 0, threads: Int? = nil,
                    drawsFolder: URL? = nil, keepInMemory: Bool? = nil, progress: ProgressCounter? = nil) throws -> Chains {
        try validate()
        let starts: [[Double]]
        switch initial {
        case .given(let p):
            starts = try Self.expand(p, chains: chains, dimension: posterior.dimension)
        case .prior:
            starts = try (0..<chains).map { try posterior.priorDraw(seed: seed, stream: Self.initStream + UInt64($0)) }
        case .map(let steps, let lr):
            starts = try (0..<chains).map { try posterior.mapStart(seed: seed, chain: $0, steps: steps, learningRate: lr) }
        case .mse:
            throw BayesKitError.invalidArgument("initialisation by a mean-squared-error fit is for BNNs; use .map, .prior or .given for an ODE posterior")
        }
        for (k, x) in starts.enumerated() {
            try requireFinite(x, "initial position of chain \(k)")
            let lp = try posterior.logDensity(x)
            guard lp.isFinite else {
                throw BayesKitError.invalidArgument(
                    "the starting point of chain \(k) (\(zip(posterior.parameterNames, x).map { "\($0) = \($1)" }.joined(separator: ", "))) has zero posterior density (log density \(lp)): start inside every prior's support")
            }
        }
        return try run(binding: ModelBinding(posterior, chains: chains), starts: starts, seed: seed, threads: threads,
                       drawsFolder: drawsFolder, keepInMemory: keepInMemory, progress: progress)
    }
}

extension ODEPosterior {
    /// `count` draws of θ from the priors on random stream `stream` of
    /// `seed` (parameters and initial states from their priors; `log σ` from
    /// the log of a noise-prior draw, or a draw of the log-scale prior).
    public func priorDraws(seed: UInt64, stream: UInt64, count: Int) throws -> [[Double]] {
        let rs = try RandomStream(seed: seed, stream: stream)
        var columns = try priors.map { try $0.sample(count, using: rs) }
        switch noise {
        case .known: break
        case .inferred(let prior): columns.append(try prior.sample(count, using: rs).map { Foundation.log(max($0, 1e-300)) })
        case .inferredLogScale(let prior): columns.append(try prior.sample(count, using: rs))
        }
        return (0..<count).map { i in columns.map { $0[i] } }
    }

    /// One draw of θ from the priors (``priorDraws(seed:stream:count:)`` with count 1).
    public func priorDraw(seed: UInt64, stream: UInt64) throws -> [Double] {
        try priorDraws(seed: seed, stream: stream, count: 1)[0]
    }

    /// `steps` Adam steps on `−log p(θ | D)` from `start` (the maximum a
    /// posteriori estimate when they converge); returns the best point seen,
    /// and stops early when a step leaves a prior's support (zero density).
    public func ascend(from start: [Double], steps: Int, learningRate: Double) throws -> [Double] {
        guard start.count == dimension else {
            throw BayesKitError.dimensionMismatch("starting point has \(start.count) values but the posterior has \(dimension)")
        }
        guard steps >= 0 else { throw BayesKitError.invalidArgument("steps must be >= 0, got \(steps)") }
        let state = try Adam(learningRate: learningRate).makeState(dimension: dimension)
        let ctx = ODEPosteriorContext(try cloneHandle())
        var theta = start, best = start, bestValue = -Double.infinity
        var grad = [Double](repeating: 0, count: dimension)
        for _ in 0...steps {
            var lp = 0.0
            let st = bk_ode_posterior_logdensity(UnsafeMutableRawPointer(ctx.raw), dimension, theta, &lp, &grad)
            if st != 0 { throw BayesKitError(status: st, record: bk_ode_posterior_error(ctx.raw).pointee) }
            guard lp.isFinite, grad.allSatisfy({ $0.isFinite }) else { break }
            if lp > bestValue { (best, bestValue) = (theta, lp) }
            for i in grad.indices { grad[i] = -grad[i] }
            var err = bk_error()
            guard bk_optim_step(state.raw, &theta, grad, &err) == 0 else { break }
        }
        return best
    }

    /// A starting point for chain `k`: the best (highest density) of
    /// `candidates` prior draws from stream `2³² + k` of `seed`, then
    /// ``ascend(from:steps:learningRate:)`` (the search over prior draws
    /// keeps the ascent away from the local modes near the priors' edges).
    public func mapStart(seed: UInt64, chain k: Int, candidates: Int = 64, steps: Int = 200,
                         learningRate: Double = 0.01) throws -> [Double] {
        var best: [Double]? = nil, bestValue = -Double.infinity
        for x in try priorDraws(seed: seed, stream: MCMC.initStream + UInt64(k), count: max(1, candidates)) {
            let lp = try logDensity(x)
            if lp > bestValue || best == nil { (best, bestValue) = (x, lp) }
        }
        return try ascend(from: best!, steps: steps, learningRate: learningRate)
    }

    /// The posterior predictive of the observed state at `times` over MCMC
    /// draws: every `stride`-th kept draw of every chain (at most `maxDraws`
    /// in all, evenly spaced) solved in one parallel batch. Returns the mean
    /// trajectory, its sd, and the `levels` quantiles of the trajectory
    /// (epistemic band) and of a new observation `y = x(t) + σ ε` (ε from
    /// random stream `seed`, one per draw and time, so the band does not
    /// depend on `threads`).
    public func predictive(_ chains: Chains, times: [Double], maxDraws: Int = 1000, levels: [Double] = [0.05, 0.5, 0.95],
                           seed: UInt64 = 0, threads: Int? = nil) throws -> ODEDrawPredictive {
        guard chains.dimension == dimension else {
            throw BayesKitError.dimensionMismatch("the chains have \(chains.dimension) parameters but the posterior has \(dimension)")
        }
        guard maxDraws >= 1 else { throw BayesKitError.invalidArgument("maxDraws must be >= 1, got \(maxDraws)") }
        for q in levels where !(0...1).contains(q) {
            throw BayesKitError.invalidArgument("quantile levels must be in [0, 1]; got \(q)")
        }
        let total = chains.chainStats.map(\.keptDraws).reduce(0, +)
        guard total >= 2 else { throw BayesKitError.invalidArgument("the posterior predictive needs at least 2 draws; the chains hold \(total)") }
        let stride = max(1, (total + maxDraws - 1) / maxDraws)
        var thetas: [[Double]] = []
        var index = 0
        for k in 0..<chains.chainCount {
            let m = try chains.chain(k)
            for d in 0..<m.rows {
                if index % stride == 0 { thetas.append(m.row(d)) }
                index += 1
            }
        }
        let (batch, sds) = try solveDraws(thetas, times: times, threads: threads)
        let s = thetas.count, nt = times.count
        let rs = try RandomStream(seed: seed, stream: 0)
        let eps = try Normal(mean: 0, sd: 1).sample(s * nt, using: rs)
        var f = [[Double]](repeating: [], count: nt), y = f
        for i in 0..<nt {
            f[i].reserveCapacity(s)
            y[i].reserveCapacity(s)
        }
        for d in 0..<s {
            let traj = batch.trajectory(d, state: observedState)
            for i in 0..<nt {
                f[i].append(traj[i])
                y[i].append(traj[i] + sds[d] * eps[d * nt + i])
            }
        }
        func quantile(_ sorted: [Double], _ q: Double) -> Double {
            let h = q * Double(sorted.count - 1), lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
            return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        }
        var mean = [Double](), sd = [Double](), fq = [[Double]](repeating: [], count: levels.count), yq = fq
        for i in 0..<nt {
            let m = f[i].reduce(0, +) / Double(s)
            mean.append(m)
            sd.append((f[i].map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(s - 1)).squareRoot())
            let fs = f[i].sorted(), ys = y[i].sorted()
            for (j, q) in levels.enumerated() {
                fq[j].append(quantile(fs, q))
                yq[j].append(quantile(ys, q))
            }
        }
        return ODEDrawPredictive(times: times, draws: s, mean: mean, sd: sd, levels: levels, quantiles: fq,
                                 observationQuantiles: yq)
    }
}

/// The posterior predictive of an ODE posterior over MCMC draws.
public struct ODEDrawPredictive: Sendable, Codable {
    public let times: [Double]
    /// Draws solved.
    public let draws: Int
    /// Mean trajectory of the observed state over the draws.
    public let mean: [Double]
    /// Its sd (epistemic).
    public let sd: [Double]
    public let levels: [Double]
    /// `levels.count × times.count`: quantiles of the trajectory.
    public let quantiles: [[Double]]
    /// `levels.count × times.count`: quantiles of a new observation (trajectory plus noise).
    public let observationQuantiles: [[Double]]
}

extension ODEPosterior {
    /// Marginal posterior sds of the Laplace approximation at `theta` (a
    /// mode): `√diag((−H)⁻¹)`, `H` the Hessian of `log p(θ | D)` from central
    /// differences of the sensitivity gradient (step `1e-5·max(1, |θⱼ|)`,
    /// symmetrised). `nil` when `−H` is not positive definite (not a mode)
    /// or a gradient is not finite. Good per-parameter random-walk scales.
    public func laplaceSD(at theta: [Double]) throws -> [Double]? {
        let d = dimension
        var h = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            let step = 1e-5 * max(1, abs(theta[j]))
            var up = theta, down = theta
            up[j] += step
            down[j] -= step
            let gu = try logDensityAndGradient(up), gd = try logDensityAndGradient(down)
            guard gu.value.isFinite, gd.value.isFinite else { return nil }
            for i in 0..<d { h[i * d + j] = -(gu.gradient[i] - gd.gradient[i]) / (2 * step) }
        }
        guard h.allSatisfy({ $0.isFinite }) else { return nil }
        var sym = h
        for i in 0..<d { for j in 0..<d { sym[i * d + j] = 0.5 * (h[i * d + j] + h[j * d + i]) } }
        guard let cov = try? Matrix(rows: d, columns: d, values: sym).inverseSPD() else { return nil }
        let sd = (0..<d).map { cov[$0, $0].squareRoot() }
        return sd.allSatisfy({ $0.isFinite && $0 > 0 }) ? sd : nil
    }
}
