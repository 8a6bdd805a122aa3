internal import CBayesKit
import Foundation

/// How the KL term is weighted over training (`β` in `ELBO_β = E_q[log p(y|θ)] − β KL`).
/// Epochs are 0-based.
public enum KLSchedule: Codable, Sendable, Hashable {
    /// `β = 1`: the ELBO itself.
    case constant
    /// `β = start + (1 − start) · min(e / epochs, 1)`: linear warm-up
    /// (Bowman et al. 2016, "Generating sentences from a continuous space").
    case linearWarmup(epochs: Int, start: Double = 0)
    /// `β = min(u / ramp, 1)` with `u = (e mod period) / period`: rises over
    /// the first `ramp` fraction of every cycle, then holds at 1 (Fu et al.
    /// 2019, "Cyclical annealing schedule", NAACL).
    case cyclical(period: Int, ramp: Double = 0.5)

    var cValue: bk_vi_anneal {
        var a = bk_vi_anneal()
        a.warmup = 1
        a.period = 1
        a.ramp = 0.5
        switch self {
        case .constant: a.kind = Int32(BK_VI_ANNEAL_CONSTANT.rawValue)
        case .linearWarmup(let epochs, let start):
            a.kind = Int32(BK_VI_ANNEAL_LINEAR.rawValue)
            a.warmup = max(epochs, 0)
            a.start = start
        case .cyclical(let period, let ramp):
            a.kind = Int32(BK_VI_ANNEAL_CYCLICAL.rawValue)
            a.period = max(period, 0)
            a.ramp = ramp
        }
        return a
    }

    /// `β` at epoch `epoch` (0-based).
    public func weight(epoch: Int) -> Double {
        var a = cValue
        return bk_vi_kl_weight(&a, max(epoch, 0))
    }
}

/// How `KL(q ‖ p)` is computed.
public enum KLEstimator: String, Codable, Sendable, Hashable, CaseIterable {
    /// `Σ_i log(s_i/σ_i) + (σ_i² + (μ_i − m_i)²)/(2s_i²) − ½` (seed 000).
    case closedForm
    /// `(1/K) Σ_k log q(θ_k) − log p(θ_k)` over the step's draws (seed 001, Blundell et al. 2015).
    case monteCarlo
}

/// How each weight's standard deviation `σ` is parameterized.
public enum ScaleParameterization: Codable, Sendable, Hashable {
    /// `σ = exp(r)`, `r` starting at `initial` (seed 000: −3).
    case logSigma(initial: Double = -3)
    /// `σ = softplus(ρ) = log(1 + e^ρ)`, `ρ` starting at `initial` (seed 001: −3).
    case softplus(initial: Double = -3)

    var code: Int32 {
        switch self {
        case .logSigma: Int32(BK_VI_LOGSIGMA.rawValue)
        case .softplus: Int32(BK_VI_SOFTPLUS.rawValue)
        }
    }

    /// The starting value of every scale parameter.
    public var initial: Double {
        switch self {
        case .logSigma(let r), .softplus(let r): r
        }
    }

    /// `σ` for scale parameter `r`.
    public func sigma(_ r: Double) -> Double { bk_vi_sigma(code, r) }
}

/// Per-column affine map of the inputs applied before the network:
/// `x' = (x − shift) / scale`. Seed 001 maps time to [−1, 1] over the
/// training window.
public struct InputScaling: Codable, Sendable, Hashable {
    public let shift: [Double]
    public let scale: [Double]

    public init(shift: [Double], scale: [Double]) throws {
        guard shift.count == scale.count, !shift.isEmpty else {
            throw BayesKitError.dimensionMismatch("input scaling has \(shift.count) shifts and \(scale.count) scales")
        }
        guard shift.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw BayesKitError.invalidArgument("input scaling needs finite shifts and finite non-zero scales")
        }
        self.shift = shift
        self.scale = scale
    }

    /// The map taking each column's [min, max] to [−1, 1] (a constant column is only centred).
    public static func unitInterval(fitting x: Matrix) throws -> InputScaling {
        var shift: [Double] = [], scale: [Double] = []
        for j in 0..<x.columns {
            let c = x.column(j)
            let lo = c.min() ?? 0, hi = c.max() ?? 0
            shift.append((lo + hi) / 2)
            scale.append(hi > lo ? (hi - lo) / 2 : 1)
        }
        return try InputScaling(shift: shift, scale: scale)
    }

    /// `(x − shift) / scale`, column by column.
    public func apply(_ x: Matrix) throws -> Matrix {
        guard x.columns == shift.count else {
            throw BayesKitError.dimensionMismatch("inputs have \(x.columns) columns but the input scaling has \(shift.count)")
        }
        var v = x.values
        for i in v.indices { let j = i % x.columns; v[i] = (v[i] - shift[j]) / scale[j] }
        return try Matrix(rows: x.rows, columns: x.columns, values: v)
    }
}

/// Early stopping on held-out data: a `validationFraction` of the rows (a
/// seeded random subset) is kept out of training; after every epoch the mean
/// log-likelihood of those rows at the variational means is recorded, and
/// training stops once `patience` epochs pass without a new best; the
/// parameters of the best epoch are returned.
public struct EarlyStopping: Codable, Sendable, Hashable {
    public var validationFraction: Double
    public var patience: Int

    public init(validationFraction: Double = 0.2, patience: Int = 100) {
        self.validationFraction = validationFraction
        self.patience = patience
    }
}

/// Mean-field Gaussian variational inference for a Bayesian neural network
/// ("Bayes by Backprop", Blundell et al. 2015, ICML): every parameter gets
/// `q(θ_i) = N(μ_i, σ_i²)`, fitted by maximising the reparameterized
/// Monte Carlo estimate of
///
///     ELBO = (N/B) E_q[log p(y_B | x_B, θ)] − β KL(q ‖ p)
///
/// with Adam, `samples` draws `θ = μ + σ ⊙ ε` per step, minibatches of
/// `batchSize` rows (`nil`: all rows, one step per epoch) and `β` from
/// ``klSchedule``. The whole gradient runs in C (`include/bayeskit/vi.h`).
///
/// The defaults are seed 000's: 5 samples, 3000 epochs, Adam(lr 0.01),
/// full batch, closed-form KL, log σ starting at −3, means N(0, 0.1²).
public struct MeanFieldVI: Codable, Sendable, Hashable {
    public var samples: Int
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int?
    public var klSchedule: KLSchedule
    public var klEstimator: KLEstimator
    public var scale: ScaleParameterization
    /// Std of the initial means of the weights `W` (drawn from N(0, std²)).
    public var meanInitStd: Double
    /// Std of the initial means of the biases; `nil` = ``meanInitStd`` (seed 001 uses 0).
    public var biasInitStd: Double?
    /// Held-out early stopping (`nil`: train every epoch on all rows).
    public var earlyStopping: EarlyStopping?

    public init(samples: Int = 5, epochs: Int = 3000, learningRate: Double = 0.01, batchSize: Int? = nil,
                klSchedule: KLSchedule = .constant, klEstimator: KLEstimator = .closedForm,
                scale: ScaleParameterization = .logSigma(initial: -3), meanInitStd: Double = 0.1, biasInitStd: Double? = nil,
                earlyStopping: EarlyStopping? = nil) {
        self.samples = samples
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.klSchedule = klSchedule
        self.klEstimator = klEstimator
        self.scale = scale
        self.meanInitStd = meanInitStd
        self.biasInitStd = biasInitStd
        self.earlyStopping = earlyStopping
    }

    var cConfig: bk_vi_config {
        var c = bk_vi_config_default()
        c.samples = max(samples, 0)
        c.epochs = max(epochs, 0)
        c.batch_size = max(batchSize ?? 0, 0)
        c.scale = scale.code
        c.kl = Int32((klEstimator == .closedForm ? BK_VI_KL_CLOSED : BK_VI_KL_MC).rawValue)
        c.anneal = klSchedule.cValue
        c.optim = bk_optim_adam_default(learningRate)
        return c
    }

    func validate() throws {
        if samples < 1 { throw BayesKitError.invalidArgument("number of Monte Carlo samples must be >= 1, got \(samples)") }
        if epochs < 1 { throw BayesKitError.invalidArgument("number of epochs must be >= 1, got \(epochs)") }
        if let b = batchSize, b < 1 { throw BayesKitError.invalidArgument("batch size must be >= 1, got \(b)") }
        if !(meanInitStd >= 0) || !meanInitStd.isFinite || !((biasInitStd ?? 0) >= 0) || !(biasInitStd ?? 0).isFinite {
            throw BayesKitError.invalidArgument("initial mean std must be >= 0 and finite, got \(meanInitStd)")
        }
        if let e = earlyStopping {
            guard e.validationFraction > 0, e.validationFraction < 1 else {
                throw BayesKitError.invalidArgument("validation fraction must be in (0, 1), got \(e.validationFraction)")
            }
            guard e.patience >= 1 else { throw BayesKitError.invalidArgument("patience must be >= 1 epoch, got \(e.patience)") }
        }
    }

    /// The rows held out for early stopping: `round(fraction n)` of them (at least 1, leaving >= 1), a
    /// random subset from stream 2^41 of `seed`, in increasing order; `nil` without early stopping.
    public func validationRows(count n: Int, seed: UInt64) throws -> [Int]? {
        guard let e = earlyStopping else { return nil }
        let m = min(max(Int((e.validationFraction * Double(n)).rounded()), 1), n - 1)
        guard m >= 1 else { throw BayesKitError.invalidArgument("early stopping needs at least 2 data rows, got \(n)") }
        let rng = try RandomStream(seed: seed, stream: 1 << 41)
        var idx = Array(0..<n)
        for i in 0..<m {
            let j = i + min(Int(rng.uniform() * Double(n - i)), n - i - 1)
            idx.swapAt(i, j)
        }
        return Array(idx.prefix(m)).sorted()
    }

    /// Fits `q` to the posterior of `architecture`'s weights given `x`
    /// (`n × w₀`) and `y` (`n × w_L`; `n × 1` labels for Bernoulli and
    /// categorical). The initial means come from stream 0 of `seed`; the
    /// draws of step `t` from streams `2(tK + k)`, the shuffle of epoch `e`
    /// from stream `2e + 1`: the result depends on `seed` only, not on
    /// `threads`. `inputScaling` is applied to `x` here and by every
    /// prediction of the result. `progress` (one task) counts epochs.
    ///
    /// Throws on bad input (messages name the option and value). When the
    /// ELBO estimate or its gradient stops being finite the run stops at
    /// that epoch: with `throwOnDivergence` (the default) it throws the
    /// message naming the epoch; otherwise it returns the last finite
    /// parameters, the history so far and the message in
    /// ``VariationalPosterior/divergence``.
    public func fit(architecture: NetworkArchitecture, likelihood: Likelihood, prior: WeightPrior = .normal(std: 1),
                    x: Matrix, y: Matrix, inputScaling: InputScaling? = nil, seed: UInt64 = 0, threads: Int? = nil,
                    progress: ProgressCounter? = nil, throwOnDivergence: Bool = true) throws -> VariationalPosterior {
        try validate()
        try likelihood.validate(for: architecture)
        let ycols: Int
        switch likelihood {
        case .bernoulli, .categorical: ycols = 1
        default: ycols = architecture.outputCount
        }
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("x has \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        guard y.columns == ycols else {
            throw BayesKitError.dimensionMismatch("y has \(y.columns) columns but the likelihood needs \(ycols)")
        }
        guard x.rows == y.rows else { throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.rows)") }
        if let b = batchSize, b > x.rows {
            throw BayesKitError.invalidArgument("batch size \(b) exceeds the \(x.rows) data rows")
        }
        let nthreads = try threadArgument(threads)
        let scaled = try inputScaling?.apply(x) ?? x
        let held = try validationRows(count: x.rows, seed: seed)
        let heldSet = Set(held ?? [])
        let trainRows = (0..<x.rows).filter { !heldSet.contains($0) }
        func rows(_ m: Matrix, _ r: [Int]) throws -> Matrix {
            try Matrix(rows: r.count, columns: m.columns, values: r.flatMap { m.values[($0 * m.columns)..<(($0 + 1) * m.columns)] })
        }
        let xs = held == nil ? scaled : try rows(scaled, trainRows)
        let ys = held == nil ? y : try rows(y, trainRows)
        if let b = batchSize, b > xs.rows {
            throw BayesKitError.invalidArgument("batch size \(b) exceeds the \(xs.rows) training rows left after holding out \(heldSet.count)")
        }
        let net = try NetworkHandle(architecture)
        var lik = likelihood.cValue
        var cfg = cConfig
        var raw: OpaquePointer?
        try prior.withCValue { p in
            try check { bk_vi_alloc(net.raw, &lik, p, &cfg, xs.rows, xs.values, ys.values, &raw, $0) }
        }
        guard let raw else { throw BayesKitError(.outOfMemory, "cannot allocate a VI problem") }
        defer { bk_vi_free(raw) }
        if let held, let e = earlyStopping {
            let xv = try rows(scaled, held), yv = try rows(y, held)
            try check { bk_vi_set_validation(raw, xv.rows, xv.values, yv.values, e.patience, $0) }
        }
        let dim = bk_vi_dim(raw)
        var phi = [Double](repeating: 0, count: 2 * dim)
        let stream = try RandomStream(seed: seed, stream: 0)
        try check { bk_vi_init(stream.raw, raw, meanInitStd, biasInitStd ?? meanInitStd, scale.initial, &phi, $0) }
        let initial = phi
        let e = epochs
        var elbo = [Double](repeating: 0, count: e), ell = elbo, kl = elbo, secs = elbo
        var done = 0
        var record = bk_error()
        bk_error_clear(&record)
        let status = bk_vi_run(raw, seed, &phi, nthreads, progress?.raw, &elbo, &ell, &kl, &secs, &done, &record)
        var divergence: String?
        if status != 0 {
            let error = BayesKitError(status: status, record: record)
            guard error.code == .nonFinite, !throwOnDivergence else { throw error }
            divergence = error.message
        }
        var history = VIHistory(elbo: Array(elbo.prefix(done)), expectedLogLikelihood: Array(ell.prefix(done)),
                                kl: Array(kl.prefix(done)), klWeight: (0..<done).map { klSchedule.weight(epoch: $0) },
                                seconds: Array(secs.prefix(done)))
        if held != nil, let v = bk_vi_validation_history(raw) {
            history.validationLogLikelihood = Array(UnsafeBufferPointer(start: v, count: done))
            history.bestEpoch = bk_vi_best_epoch(raw)
        }
        return VariationalPosterior(
            architecture: architecture, likelihood: likelihood, prior: prior, scale: scale,
            mean: Array(phi[0..<dim]), scaleParameters: Array(phi[dim...]), inputScaling: inputScaling,
            initialMean: Array(initial[0..<dim]), method: self, seed: seed, count: x.rows, history: history,
            divergence: divergence)
    }

    /// ``fit(architecture:likelihood:prior:x:y:inputScaling:seed:threads:progress:throwOnDivergence:)`` for one input and one output as vectors.
    public func fit(architecture: NetworkArchitecture, likelihood: Likelihood, prior: WeightPrior = .normal(std: 1),
                    x: [Double], y: [Double], inputScaling: InputScaling? = nil, seed: UInt64 = 0, threads: Int? = nil,
                    progress: ProgressCounter? = nil, throwOnDivergence: Bool = true) throws -> VariationalPosterior {
        guard architecture.inputCount == 1 else {
            throw BayesKitError.dimensionMismatch(
                "x as a vector needs a network with 1 input, this one has \(architecture.inputCount)")
        }
        guard x.count == y.count else { throw BayesKitError.dimensionMismatch("x has \(x.count) rows but y has \(y.count)") }
        return try fit(architecture: architecture, likelihood: likelihood, prior: prior,
                       x: Matrix(rows: x.count, columns: 1, values: x), y: Matrix(rows: y.count, columns: 1, values: y),
                       inputScaling: inputScaling, seed: seed, threads: threads, progress: progress,
                       throwOnDivergence: throwOnDivergence)
    }
}

/// The per-epoch record of a VI run (each value the mean over the epoch's steps).
public struct VIHistory: Codable, Sendable, Equatable {
    /// `exp_loglik − β · kl`, the objective maximised.
    public var elbo: [Double]
    /// `(N/B)(1/K) Σ_k log p(y_B | x_B, θ_k)`.
    public var expectedLogLikelihood: [Double]
    /// `KL(q ‖ p)` (closed form or its Monte Carlo estimate).
    public var kl: [Double]
    /// `β` of each epoch.
    public var klWeight: [Double]
    /// Wall seconds since the start of training at the end of each epoch.
    public var seconds: [Double]
    /// With early stopping: the mean held-out log-likelihood at the means after each epoch.
    public var validationLogLikelihood: [Double]? = nil
    /// With early stopping: the 1-based epoch whose parameters were returned.
    public var bestEpoch: Int? = nil

    public var epochs: Int { elbo.count }

    /// A trailing moving average of the ELBO over `window` epochs (the ELBO of
    /// a few draws is noisy; compare smoothed values). `nil` when empty.
    public func smoothedFinalELBO(window: Int = 100) -> Double? {
        guard !elbo.isEmpty else { return nil }
        let tail = elbo.suffix(max(window, 1))
        return tail.reduce(0, +) / Double(tail.count)
    }

    /// As ``smoothedFinalELBO(window:)`` for any series.
    public static func trailingMean(_ values: [Double], window: Int = 100) -> Double {
        let tail = values.suffix(max(window, 1))
        return tail.isEmpty ? .nan : tail.reduce(0, +) / Double(tail.count)
    }
}
