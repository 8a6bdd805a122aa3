internal import CBayesKit

/// The (tempered) posterior of a Bayesian neural network's weights,
///
///     log p_T(θ | D) = log p(θ) + log p(y | x, θ) / T,
///
/// with `log p(θ)` the ``WeightPrior`` (plus the `log σ` prior of
/// ``Likelihood/gaussianLearnedNoise(logSigmaMean:logSigmaStd:)``) and `T > 0`
/// the temperature (`T = 1`: Bayes' posterior; `T < 1`: a "cold" posterior,
/// Wenzel et al. 2020, "How good is the Bayes posterior in deep neural
/// networks really?", ICML).
///
/// Wraps the C `bk_bnn_posterior`, the log-density callback the samplers use.
/// Not thread-safe (it owns one workspace): use ``copy()`` to get one per
/// thread; copies share the read-only data.
public final class BNNPosterior {
    public let architecture: NetworkArchitecture
    public let likelihood: Likelihood
    public let prior: WeightPrior
    public let temperature: Double
    /// Number of data rows.
    public let count: Int
    let raw: OpaquePointer

    /// A posterior over `x` (`n × w₀`) and `y` (`n × w_L` for the Gaussians;
    /// `n × 1` labels for Bernoulli and categorical). Data are copied and
    /// checked (NaN, labels); the prior, noise and temperature are validated.
    public init(architecture: NetworkArchitecture, likelihood: Likelihood, prior: WeightPrior,
                x: Matrix, y: Matrix, temperature: Double = 1) throws {
        try likelihood.validate(for: architecture)
        let ycols: Int
        switch likelihood {
        case .bernoulli, .categorical: ycols = 1
        default: ycols = architecture.outputCount
        }
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch(
                "x has \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        guard y.columns == ycols else {
            throw BayesKitError.dimensionMismatch("y has \(y.columns) columns but the likelihood needs \(ycols)")
        }
        guard x.rows == y.rows else {
            throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.rows)")
        }
        let net = try NetworkHandle(architecture)
        var lik = likelihood.cValue
        var out: OpaquePointer?
        try prior.withCValue { p in
            try check { bk_bnn_posterior_alloc(net.raw, &lik, p, temperature, x.rows, x.values, y.values, &out, $0) }
        }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate a posterior") }
        raw = out
        self.architecture = architecture
        self.likelihood = likelihood
        self.prior = prior
        self.temperature = temperature
        self.count = x.rows
    }

    /// One-input, one-column convenience: `x` and `y` as `n`-vectors.
    public convenience init(architecture: NetworkArchitecture, likelihood: Likelihood, prior: WeightPrior,
                            x: [Double], y: [Double], temperature: Double = 1) throws {
        guard architecture.inputCount == 1 else {
            throw BayesKitError.dimensionMismatch(
                "x as a vector needs a network with 1 input, this one has \(architecture.inputCount)")
        }
        try self.init(architecture: architecture, likelihood: likelihood, prior: prior,
                      x: Matrix(rows: x.count, columns: 1, values: x), y: Matrix(rows: y.count, columns: 1, values: y),
                      temperature: temperature)
    }

    private init(cloning other: BNNPosterior) throws {
        var out: OpaquePointer?
        try check { bk_bnn_posterior_clone(other.raw, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate a posterior") }
        raw = out
        architecture = other.architecture
        likelihood = other.likelihood
        prior = other.prior
        temperature = other.temperature
        count = other.count
    }

    deinit { bk_bnn_posterior_free(raw) }

    /// A posterior with its own workspace sharing this one's data (one per thread).
    public func copy() throws -> BNNPosterior { try BNNPosterior(cloning: self) }

    /// Length of θ: the network's `P` weights, plus `log_sigma` for a learned noise.
    public var dimension: Int { bk_bnn_posterior_dim(raw) }

    /// Names of θ's entries: ``NetworkArchitecture/parameterNames`` then ``Likelihood/extraParameterNames``.
    public var parameterNames: [String] { architecture.parameterNames + likelihood.extraParameterNames }

    /// `log p_T(θ | D)` up to the evidence. Extreme weights may give `-inf`
    /// or NaN, returned as values (a sampler rejects them), not thrown.
    public func logDensity(_ theta: [Double]) throws -> Double {
        try checkDimension(theta)
        var logp = 0.0
        try callback(theta, &logp, nil)
        return logp
    }

    /// `log p_T(θ | D)` and its gradient (reverse mode through the network).
    public func logDensityAndGradient(_ theta: [Double]) throws -> (value: Double, gradient: [Double]) {
        try checkDimension(theta)
        var logp = 0.0
        var grad = [Double](repeating: 0, count: theta.count)
        try grad.withUnsafeMutableBufferPointer { g in try callback(theta, &logp, g.baseAddress) }
        return (logp, grad)
    }

    /// The two terms: `log p(θ)` and the untempered `log p(y | x, θ)`.
    public func terms(_ theta: [Double]) throws -> (logPrior: Double, logLikelihood: Double) {
        try checkDimension(theta)
        var lp = 0.0, ll = 0.0
        try check { bk_bnn_posterior_terms(raw, theta, &lp, &ll, $0) }
        return (lp, ll)
    }

    private func callback(_ theta: [Double], _ logp: inout Double, _ grad: UnsafeMutablePointer<Double>?) throws {
        let status = bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(raw), theta.count, theta, &logp, grad)
        if status != 0 { throw BayesKitError(status: status, record: bk_bnn_posterior_error(raw).pointee) }
    }

    private func checkDimension(_ theta: [Double]) throws {
        guard theta.count == dimension else {
            throw BayesKitError.dimensionMismatch(
                "parameter vector has \(theta.count) values but the posterior has \(dimension) parameters")
        }
    }
}
