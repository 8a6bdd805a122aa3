import Foundation

/// Coin flips with a conjugate prior (seed 003): x ~ Bern(π), π ~ Beta(a, b).
/// After h successes and t failures (n = h + t) the posterior is
/// Beta(a + h, b + t) and the posterior predictive is
///
///     p(x = 1 | data) = (a + h) / (n + a + b)
///
/// (a = b = 1, the uniform prior, gives Laplace's rule (h + 1)/(n + 2)).
/// The point estimates beside it: MLE π̂ = h/n and MAP, the posterior mode
/// (a + h − 1)/(n + a + b − 2). Sequential updating (one flip at a time) and
/// a batch update give the same posterior (Bishop 2006, PRML §2.1.1).
public struct BetaBernoulli: Sendable, Codable, Equatable {
    /// The prior Beta(a, b).
    public let priorAlpha: Double
    public let priorBeta: Double
    /// Successes h and failures t observed so far.
    public private(set) var successes: Int = 0
    public private(set) var failures: Int = 0

    /// A Beta(`alpha`, `beta`) prior; both must be finite and > 0 (1, 1 is uniform).
    public init(alpha: Double = 1, beta: Double = 1) throws {
        guard alpha > 0, alpha.isFinite, beta > 0, beta.isFinite else {
            throw BayesKitError.invalidArgument(
                "Beta prior parameters must be finite and > 0, got alpha \(formatNumber(alpha)), beta \(formatNumber(beta))")
        }
        priorAlpha = alpha
        priorBeta = beta
    }

    /// n = h + t.
    public var trials: Int { successes + failures }
    /// a + h, b + t.
    public var posteriorAlpha: Double { priorAlpha + Double(successes) }
    public var posteriorBeta: Double { priorBeta + Double(failures) }

    /// Beta(a + h, b + t).
    public func posterior() throws -> Beta { try Beta(alpha: posteriorAlpha, beta: posteriorBeta) }

    /// The posterior after also observing `outcomes` (true = success).
    public func observing(_ outcomes: [Bool]) -> BetaBernoulli {
        var next = self
        let h = outcomes.reduce(0) { $0 + ($1 ? 1 : 0) }
        next.successes += h
        next.failures += outcomes.count - h
        return next
    }

    /// The posterior after also observing `successes` in `trials` (binomial data).
    public func observing(successes k: Int, trials n: Int) throws -> BetaBernoulli {
        guard n >= 0, k >= 0, k <= n else {
            throw BayesKitError.invalidArgument("successes must be in 0...trials, got \(k) successes in \(n) trials")
        }
        var next = self
        next.successes += k
        next.failures += n - k
        return next
    }

    /// p(x = 1 | data) = (a + h)/(n + a + b): the posterior mean.
    public var predictiveProbability: Double { posteriorAlpha / (posteriorAlpha + posteriorBeta) }

    /// Var[π | data] = a'b' / ((a' + b')²(a' + b' + 1)).
    public var posteriorVariance: Double {
        let s = posteriorAlpha + posteriorBeta
        return posteriorAlpha * posteriorBeta / (s * s * (s + 1))
    }

    /// The MLE h/n; `nil` before any data.
    public var maximumLikelihood: Double? { trials > 0 ? Double(successes) / Double(trials) : nil }

    /// The MAP estimate, the mode of Beta(a', b'): (a' − 1)/(a' + b' − 2) when
    /// both exceed 1; 0 or 1 when the density is largest at an edge; `nil`
    /// when the mode is not unique (a' = b' = 1, or both < 1).
    public var maximumAPosteriori: Double? {
        let a = posteriorAlpha, b = posteriorBeta
        if a > 1, b > 1 { return (a - 1) / (a + b - 2) }
        if a <= 1, b > 1 { return 0 }
        if a > 1, b <= 1 { return 1 }
        if a < 1, b == 1 { return 0 }
        if a == 1, b < 1 { return 1 }
        return nil
    }

    /// Beta-binomial predictive of the number of successes k = 0…m in the next
    /// `m` trials: C(m, k) B(k + a', m − k + b') / B(a', b').
    public func predictiveCounts(trials m: Int) throws -> [Double] {
        guard m >= 0 else { throw BayesKitError.invalidArgument("trials must be >= 0, got \(m)") }
        let a = posteriorAlpha, b = posteriorBeta
        return (0...m).map { k in
            let lc = lgamma(Double(m + 1)) - lgamma(Double(k + 1)) - lgamma(Double(m - k + 1))
            return exp(lc + logBeta(Double(k) + a, Double(m - k) + b) - logBeta(a, b))
        }
    }

    /// ln p(observed sequence) = ln B(a + h, b + t) − ln B(a, b) (the
    /// evidence of one particular order of the flips).
    public var logMarginalLikelihood: Double { logBeta(posteriorAlpha, posteriorBeta) - logBeta(priorAlpha, priorBeta) }

    /// The equal-tailed posterior interval holding `level`.
    public func credibleInterval(level: Double = 0.9) throws -> ClosedRange<Double> {
        guard level > 0, level < 1 else { throw BayesKitError.invalidArgument("interval level must be in (0, 1), got \(formatNumber(level))") }
        let p = try posterior()
        return try p.quantile((1 - level) / 2)...p.quantile((1 + level) / 2)
    }

    /// One state per prefix of `outcomes`, starting with the prior (n = 0):
    /// the curve of MLE, MAP and predictive against the number of flips.
    public func sequentialUpdates(_ outcomes: [Bool]) -> [BetaBernoulli] {
        var states = [self]
        var s = self
        for o in outcomes {
            s = s.observing([o])
            states.append(s)
        }
        return states
    }
}

func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

/// The mean of Normal data with known variance (PRML §2.3.6):
/// xᵢ ~ N(μ, σ²), μ ~ N(μ₀, τ₀²). The posterior is N(μ_N, τ_N²) with
///
///     1/τ_N² = 1/τ₀² + n/σ²,   μ_N = τ_N² (μ₀/τ₀² + Σxᵢ/σ²),
///
/// and the predictive of a new x is N(μ_N, τ_N² + σ²).
public struct NormalKnownVariance: Sendable, Codable, Equatable {
    public let priorMean: Double
    public let priorSD: Double
    /// σ, the known noise standard deviation.
    public let noiseSD: Double
    /// n and Σxᵢ of the data seen so far.
    public private(set) var count: Int = 0
    public private(set) var sum: Double = 0

    public init(priorMean: Double = 0, priorSD: Double = 1, noiseSD: Double = 1) throws {
        guard priorMean.isFinite else { throw BayesKitError.invalidArgument("prior mean must be finite, got \(formatNumber(priorMean))") }
        guard priorSD > 0, priorSD.isFinite else {
            throw BayesKitError.invalidArgument("prior sd must be finite and > 0, got \(formatNumber(priorSD))")
        }
        guard noiseSD > 0, noiseSD.isFinite else {
            throw BayesKitError.invalidArgument("noise sd must be finite and > 0, got \(formatNumber(noiseSD))")
        }
        self.priorMean = priorMean
        self.priorSD = priorSD
        self.noiseSD = noiseSD
    }

    /// The posterior after also observing `xs`.
    public func observing(_ xs: [Double]) throws -> NormalKnownVariance {
        try requireFinite(xs, "data")
        var next = self
        next.count += xs.count
        next.sum += xs.reduce(0, +)
        return next
    }

    /// τ_N², μ_N.
    public var posteriorVariance: Double { 1 / (1 / (priorSD * priorSD) + Double(count) / (noiseSD * noiseSD)) }
    public var posteriorMean: Double {
        posteriorVariance * (priorMean / (priorSD * priorSD) + sum / (noiseSD * noiseSD))
    }

    public func posterior() throws -> Normal { try Normal(mean: posteriorMean, sd: posteriorVariance.squareRoot()) }

    /// N(μ_N, τ_N² + σ²).
    public func predictive() throws -> Normal {
        try Normal(mean: posteriorMean, sd: (posteriorVariance + noiseSD * noiseSD).squareRoot())
    }

    /// The MLE, the sample mean; `nil` before any data.
    public var maximumLikelihood: Double? { count > 0 ? sum / Double(count) : nil }
}
