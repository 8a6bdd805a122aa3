internal import CBayesKit

/// The observation model of a network's outputs `f = f(x; θ)`.
public enum Likelihood: Codable, Sendable, Hashable {
    /// `y ~ N(f, σ²)` per output: `log p = Σ −(y − f)²/(2σ²) − log σ − ½ log 2π`
    /// (seed 000's `log_likelihood`, with `σ = 0.1`).
    case gaussian(sigma: Double)
    /// As ``gaussian(sigma:)`` with `log σ` learned: one extra parameter
    /// `log_sigma` at the END of the parameter vector (index `P`), with prior
    /// `log σ ~ N(logSigmaMean, logSigmaStd²)`.
    case gaussianLearnedNoise(logSigmaMean: Double = 0, logSigmaStd: Double = 1)
    /// One logit output `f`, labels `y ∈ {0, 1}`: `log p = Σ y f − log(1 + e^f)`.
    case bernoulli
    /// `classes` logits, labels `0 ..< classes` (stored as doubles):
    /// `log p = Σ f_y − log Σ_c e^{f_c}`.
    case categorical(classes: Int)

    /// Names of the parameters this likelihood appends to the network's weights.
    public var extraParameterNames: [String] {
        if case .gaussianLearnedNoise = self { return ["log_sigma"] }
        return []
    }

    var cValue: bk_likelihood {
        var lik = bk_likelihood()
        switch self {
        case .gaussian(let sigma):
            lik.kind = Int32(BK_LIK_GAUSSIAN.rawValue)
            lik.sigma = sigma
        case .gaussianLearnedNoise(let mean, let std):
            lik.kind = Int32(BK_LIK_GAUSSIAN_LEARNED_NOISE.rawValue)
            lik.log_sigma_mean = mean
            lik.log_sigma_std = std
        case .bernoulli:
            lik.kind = Int32(BK_LIK_BERNOULLI.rawValue)
        case .categorical:
            lik.kind = Int32(BK_LIK_CATEGORICAL.rawValue)
        }
        return lik
    }

    /// Checks the likelihood against a network (the C core's messages).
    func validate(for architecture: NetworkArchitecture) throws {
        if case .categorical(let classes) = self, classes != architecture.outputCount {
            throw BayesKitError.dimensionMismatch(
                "categorical likelihood with \(classes) classes needs \(classes) outputs, the network has \(architecture.outputCount)")
        }
        let net = try NetworkHandle(architecture)
        var lik = cValue
        try check { bk_likelihood_check(net.raw, &lik, $0) }
    }
}

/// A zero-mean Normal prior on every weight and bias,
/// `log p(θ) = Σ_i −θ_i²/(2 s_i²) − log s_i − ½ log 2π` (normalised; seed
/// 000's `log_prior` drops the constant, which no MH ratio sees).
public enum WeightPrior: Codable, Sendable, Hashable {
    /// `s_i = std` for every parameter (seed 000: `std = 1`).
    case normal(std: Double)
    /// One std per dense layer, shared by its `W` and `b`.
    case perLayer([Double])
    /// `s = std / √(fan-in)` for layer `l`'s `W` and `b`, fan-in `= w_l`.
    case fanInScaled(std: Double)

    /// Calls `body` with the C description (valid only inside `body`).
    func withCValue<R>(_ body: (UnsafePointer<bk_prior>) throws -> R) rethrows -> R {
        var prior = bk_prior()
        switch self {
        case .normal(let std):
            prior.kind = Int32(BK_PRIOR_NORMAL.rawValue)
            prior.std = std
        case .fanInScaled(let std):
            prior.kind = Int32(BK_PRIOR_FAN_IN.rawValue)
            prior.std = std
        case .perLayer(let stds):
            prior.kind = Int32(BK_PRIOR_PER_LAYER.rawValue)
            return try stds.withUnsafeBufferPointer { buf in
                prior.layer_std = buf.baseAddress
                prior.nlayer_std = buf.count
                return try body(&prior)
            }
        }
        return try body(&prior)
    }

    /// Draws parameters (weights, then any likelihood parameter) from the
    /// prior in flat order from `stream`.
    public func sample(architecture: NetworkArchitecture, likelihood: Likelihood = .gaussian(sigma: 1),
                       stream: RandomStream) throws -> [Double] {
        try likelihood.validate(for: architecture)
        let net = try NetworkHandle(architecture)
        var lik = likelihood.cValue
        var theta = [Double](repeating: 0, count: architecture.parameterCount + likelihood.extraParameterNames.count)
        try withCValue { prior in
            try check { bk_nn_prior_sample(stream.raw, net.raw, &lik, prior, &theta, $0) }
        }
        return theta
    }
}
