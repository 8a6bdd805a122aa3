import CBayesKit
import Foundation
import Testing

/// Known answers for the C distribution kernels: closed-form log densities,
/// GSL CDFs and quantiles, and the exact validation messages.
@Suite struct DistributionKnownAnswerTests {
    static let log2pi = log(2 * Double.pi)

    func dist(_ kind: bk_dist_kind, _ params: [Double]) -> bk_dist {
        var d = bk_dist()
        var err = bk_error()
        let status = bk_dist_init(&d, Int32(kind.rawValue), params, params.count, &err)
        #expect(status == 0, "bk_dist_init failed: \(message(err))")
        return d
    }

    func message(_ err: bk_error) -> String {
        var e = err
        return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The status and message of a failing bk_dist_init.
    func initFailure(_ kind: Int32, _ params: [Double]) -> (Int32, String) {
        var d = bk_dist()
        var err = bk_error()
        let status = bk_dist_init(&d, kind, params, params.count, &err)
        return (status, message(err))
    }

    func close(_ a: Double, _ b: Double, rel: Double = 1e-12) -> Bool {
        if a == b { return true }
        return abs(a - b) <= rel * max(abs(a), abs(b), 1)
    }

    @Test func normalLogDensityMatchesClosedForm() {
        var d = dist(BK_DIST_NORMAL, [1, 2])
        let expected = -0.5 * Self.log2pi - log(2.0) - 0.5 * (0.25 / 4)
        #expect(close(bk_dist_logpdf(&d, 0.5), expected, rel: 1e-15))
        #expect(close(bk_dist_logpdf(&d, -40), -0.5 * Self.log2pi - log(2.0) - 0.5 * (41.0 * 41.0 / 4)))
    }

    @Test func continuousLogDensitiesMatchClosedForms() {
        var ln = dist(BK_DIST_LOGNORMAL, [0.3, 0.7])
        for x in [0.2, 1.0, 5.0] {
            let z = (log(x) - 0.3) / 0.7
            #expect(close(bk_dist_logpdf(&ln, x), -0.5 * Self.log2pi - log(0.7) - log(x) - 0.5 * z * z))
        }
        var g = dist(BK_DIST_GAMMA, [2.5, 1.5])  // shape, rate
        for x in [0.1, 2.0, 30.0] {
            #expect(close(bk_dist_logpdf(&g, x), 2.5 * log(1.5) - lgamma(2.5) + 1.5 * log(x) - 1.5 * x))
        }
        var ig = dist(BK_DIST_INVGAMMA, [3, 2])  // shape, scale
        for x in [0.1, 1.0, 8.0] {
            #expect(close(bk_dist_logpdf(&ig, x), 3 * log(2.0) - lgamma(3.0) - 4 * log(x) - 2 / x))
        }
        var e = dist(BK_DIST_EXPONENTIAL, [2])
        #expect(close(bk_dist_logpdf(&e, 1.5), log(2.0) - 3))
        var u = dist(BK_DIST_UNIFORM, [-1, 3])
        #expect(close(bk_dist_logpdf(&u, 0), -log(4.0)))
        #expect(close(bk_dist_logpdf(&u, 3), -log(4.0)))
        var b = dist(BK_DIST_BETA, [2, 3])
        for x in [0.1, 0.5, 0.9] {
            let lbeta = lgamma(2.0) + lgamma(3.0) - lgamma(5.0)
            #expect(close(bk_dist_logpdf(&b, x), log(x) + 2 * log1p(-x) - lbeta))
        }
        var t = dist(BK_DIST_STUDENT_T, [4, 1, 2])
        for x in [-3.0, 1.0, 10.0] {
            let z = (x - 1) / 2
            let expected = lgamma(2.5) - lgamma(2.0) - 0.5 * log(4 * Double.pi) - log(2.0) - 2.5 * log1p(z * z / 4)
            #expect(close(bk_dist_logpdf(&t, x), expected))
        }
        var c = dist(BK_DIST_CAUCHY, [1, 3])
        #expect(close(bk_dist_logpdf(&c, 4), -log(Double.pi * 3 * 2)))
        var hn = dist(BK_DIST_HALFNORMAL, [2])
        #expect(close(bk_dist_logpdf(&hn, 1), 0.5 * log(2 / Double.pi) - log(2.0) - 0.125))
        var hc = dist(BK_DIST_HALFCAUCHY, [2])
        #expect(close(bk_dist_logpdf(&hc, 2), log(2 / (Double.pi * 2 * 2))))
    }

    @Test func discreteLogPmfsMatchClosedForms() {
        var be = dist(BK_DIST_BERNOULLI, [0.3])
        #expect(close(bk_dist_logpdf(&be, 1), log(0.3)))
        #expect(close(bk_dist_logpdf(&be, 0), log(0.7)))
        var bi = dist(BK_DIST_BINOMIAL, [10, 0.25])
        for k in [0.0, 3.0, 10.0] {
            let lchoose = lgamma(11.0) - lgamma(k + 1) - lgamma(11 - k)
            #expect(close(bk_dist_logpdf(&bi, k), lchoose + k * log(0.25) + (10 - k) * log(0.75)))
        }
        var po = dist(BK_DIST_POISSON, [3.5])
        for k in [0.0, 2.0, 40.0] {
            #expect(close(bk_dist_logpdf(&po, k), k * log(3.5) - 3.5 - lgamma(k + 1)))
        }
        // Degenerate success probabilities: 0 log 0 = 0.
        var sure = dist(BK_DIST_BINOMIAL, [5, 1])
        #expect(bk_dist_logpdf(&sure, 5) == 0)
        #expect(bk_dist_logpdf(&sure, 4) == -.infinity)
    }

    @Test func outOfSupportIsMinusInfinityAndNaNIsNaN() {
        let cases: [(bk_dist_kind, [Double], Double)] = [
            (BK_DIST_LOGNORMAL, [0, 1], 0), (BK_DIST_LOGNORMAL, [0, 1], -1), (BK_DIST_GAMMA, [2, 1], -1),
            (BK_DIST_GAMMA, [2, 1], 0), (BK_DIST_INVGAMMA, [2, 1], 0), (BK_DIST_EXPONENTIAL, [1], -0.5),
            (BK_DIST_UNIFORM, [0, 1], 1.5), (BK_DIST_BETA, [2, 2], 1.5), (BK_DIST_BETA, [2, 2], -0.1),
            (BK_DIST_BERNOULLI, [0.5], 0.5), (BK_DIST_BINOMIAL, [10, 0.5], 2.5), (BK_DIST_BINOMIAL, [10, 0.5], 11),
            (BK_DIST_POISSON, [2], -1), (BK_DIST_POISSON, [2], 1.5), (BK_DIST_POISSON, [2], .infinity),
            (BK_DIST_HALFNORMAL, [1], -0.1), (BK_DIST_HALFCAUCHY, [1], -0.1),
        ]
        for (kind, params, x) in cases {
            var d = dist(kind, params)
            #expect(bk_dist_logpdf(&d, x) == -.infinity, "\(kind) \(params) at \(x)")
            #expect(bk_dist_logpdf(&d, .nan).isNaN)
        }
        // Edges of the support with finite (or infinite) density.
        var g1 = dist(BK_DIST_GAMMA, [1, 2])
        #expect(close(bk_dist_logpdf(&g1, 0), log(2.0)))
        var b13 = dist(BK_DIST_BETA, [1, 3])
        #expect(close(bk_dist_logpdf(&b13, 0), log(3.0)))
        var bhalf = dist(BK_DIST_BETA, [0.5, 0.5])
        #expect(bk_dist_logpdf(&bhalf, 0) == .infinity)
    }

    @Test func arrayLogDensityMatchesScalar() {
        var d = dist(BK_DIST_STUDENT_T, [3, 0, 1])
        let xs = [-5.0, -1, 0, 0.5, 2, 100]
        var out = [Double](repeating: 0, count: xs.count)
        var err = bk_error()
        #expect(bk_dist_logpdf_array(&d, xs.count, xs, &out, &err) == 0)
        for (x, y) in zip(xs, out) { #expect(y == bk_dist_logpdf(&d, x)) }
    }

    func cdf(_ d: bk_dist, _ x: Double) -> Double {
        var d = d
        var out = Double.nan
        var err = bk_error()
        #expect(bk_dist_cdf(&d, x, &out, &err) == 0)
        return out
    }

    func quantile(_ d: bk_dist, _ p: Double) -> Double {
        var d = d
        var out = Double.nan
        var err = bk_error()
        let status = bk_dist_quantile(&d, p, &out, &err)
        #expect(status == 0, "\(message(err))")
        return out
    }

    @Test func cdfKnownValues() {
        #expect(close(cdf(dist(BK_DIST_EXPONENTIAL, [2]), 1), 1 - exp(-2.0), rel: 1e-15))
        #expect(close(cdf(dist(BK_DIST_BETA, [2, 3]), 0.5), 0.6875))
        #expect(close(cdf(dist(BK_DIST_GAMMA, [2, 1]), 1), 1 - 2 / M_E))
        #expect(close(cdf(dist(BK_DIST_GAMMA, [2, 4]), 0.25), 1 - 2 / M_E))  // rate 4 rescales x by 4
        #expect(close(cdf(dist(BK_DIST_INVGAMMA, [1, 1]), 2), exp(-0.5)))
        #expect(close(cdf(dist(BK_DIST_HALFNORMAL, [1]), 1), 0.6826894921370859))
        #expect(close(cdf(dist(BK_DIST_HALFCAUCHY, [2]), 2), 0.5))
        #expect(close(cdf(dist(BK_DIST_CAUCHY, [1, 1]), 2), 0.75))
        #expect(close(cdf(dist(BK_DIST_STUDENT_T, [1, 0, 1]), 1), 0.75))
        #expect(close(cdf(dist(BK_DIST_NORMAL, [1, 2]), 1), 0.5))
        #expect(close(cdf(dist(BK_DIST_LOGNORMAL, [0, 1]), 1), 0.5))
        #expect(close(cdf(dist(BK_DIST_UNIFORM, [0, 4]), 1), 0.25))
        #expect(close(cdf(dist(BK_DIST_POISSON, [2]), 1), 3 * exp(-2.0)))
        #expect(close(cdf(dist(BK_DIST_POISSON, [2]), 1.7), 3 * exp(-2.0)))
        #expect(close(cdf(dist(BK_DIST_BINOMIAL, [10, 0.5]), 5), 638.0 / 1024))
        #expect(cdf(dist(BK_DIST_BINOMIAL, [10, 0.5]), -1) == 0)
        #expect(cdf(dist(BK_DIST_BINOMIAL, [10, 0.5]), 10) == 1)
        #expect(close(cdf(dist(BK_DIST_BERNOULLI, [0.3]), 0), 0.7))
        #expect(cdf(dist(BK_DIST_GAMMA, [2, 1]), -1) == 0)
        #expect(cdf(dist(BK_DIST_NORMAL, [0, 1]), .nan).isNaN)
    }

    @Test func quantileKnownValues() {
        #expect(close(quantile(dist(BK_DIST_NORMAL, [0, 1]), 0.975), 1.959963984540054, rel: 1e-15))
        #expect(close(quantile(dist(BK_DIST_NORMAL, [1, 2]), 0.975), 1 + 2 * 1.959963984540054, rel: 1e-15))
        #expect(close(quantile(dist(BK_DIST_EXPONENTIAL, [2]), 0.5), log(2.0) / 2))
        #expect(close(quantile(dist(BK_DIST_CAUCHY, [1, 3]), 0.75), 4))
        #expect(close(quantile(dist(BK_DIST_HALFCAUCHY, [2]), 0.5), 2))
        #expect(close(quantile(dist(BK_DIST_HALFNORMAL, [1]), 0.6826894921370859), 1))
        #expect(close(quantile(dist(BK_DIST_UNIFORM, [0, 4]), 0.25), 1))
        #expect(close(quantile(dist(BK_DIST_INVGAMMA, [1, 1]), exp(-0.5)), 2, rel: 1e-10))
        #expect(close(quantile(dist(BK_DIST_BETA, [2, 3]), 0.6875), 0.5, rel: 1e-10))
        #expect(quantile(dist(BK_DIST_NORMAL, [0, 1]), 0) == -.infinity)
        #expect(quantile(dist(BK_DIST_NORMAL, [0, 1]), 1) == .infinity)
        #expect(quantile(dist(BK_DIST_GAMMA, [2, 1]), 0) == 0)
        #expect(quantile(dist(BK_DIST_EXPONENTIAL, [1]), 1) == .infinity)
    }

    @Test func quantileInvertsCdf() {
        let families: [(bk_dist_kind, [Double])] = [
            (BK_DIST_NORMAL, [1, 2]), (BK_DIST_LOGNORMAL, [0.5, 0.8]), (BK_DIST_GAMMA, [2.5, 3]),
            (BK_DIST_GAMMA, [0.3, 1]), (BK_DIST_INVGAMMA, [3, 2]), (BK_DIST_EXPONENTIAL, [0.5]),
            (BK_DIST_UNIFORM, [-2, 5]), (BK_DIST_BETA, [2, 5]), (BK_DIST_BETA, [0.5, 0.5]),
            (BK_DIST_STUDENT_T, [3, 1, 2]), (BK_DIST_STUDENT_T, [0.5, 0, 1]), (BK_DIST_CAUCHY, [0, 2]),
            (BK_DIST_HALFNORMAL, [1.5]), (BK_DIST_HALFCAUCHY, [0.5]),
        ]
        for (kind, params) in families {
            let d = dist(kind, params)
            for p in [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999] {
                let x = quantile(d, p)
                #expect(abs(cdf(d, x) - p) <= 1e-9 * max(p, 1e-3), "\(kind) \(params) p = \(p): x = \(x)")
            }
        }
    }

    @Test func quantileFallsBackWhenGSLInversionFails() {
        // gsl_cdf_gamma_Pinv(0.5, 0.01, 1) reports "inverse failed to converge"
        // (an abort under GSL's default handler); BayesKit bisects instead.
        for (shape, p) in [(0.01, 0.5), (0.05, 1e-10), (1000, 1e-300)] {
            let d = dist(BK_DIST_GAMMA, [shape, 1])
            let x = quantile(d, p)
            #expect(x.isFinite && x >= 0)
            #expect(abs(cdf(d, x) - p) <= 1e-9 * p, "shape \(shape) p \(p): x = \(x), cdf = \(cdf(d, x))")
        }
        // The true quantile (about 1e-10000) is below every positive double:
        // the answer is the smallest double whose CDF reaches p.
        #expect(quantile(dist(BK_DIST_GAMMA, [0.001, 1]), 1e-10) == Double.leastNonzeroMagnitude)
        let b = dist(BK_DIST_BETA, [1000, 1e6])
        let x = quantile(b, 0.5)
        #expect(abs(cdf(b, x) - 0.5) <= 1e-9)
    }

    @Test func quantileRejectsProbabilitiesOutsideUnitInterval() {
        for p in [-0.1, 1.5, Double.nan] {
            var d = dist(BK_DIST_NORMAL, [0, 1])
            var out = 42.0
            var err = bk_error()
            #expect(bk_dist_quantile(&d, p, &out, &err) == Int32(BK_EINVAL.rawValue))
            #expect(out == 42, "output left untouched")
            #expect(message(err) == "Normal quantile probability must be in [0, 1], got \(p.isNaN ? "nan" : "\(p)")")
        }
        var po = dist(BK_DIST_POISSON, [2])
        var out = 0.0
        var err = bk_error()
        #expect(bk_dist_quantile(&po, 0.5, &out, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "Poisson has no quantile function (it is discrete)")
    }

    @Test func initValidationMessages() {
        let einval = Int32(BK_EINVAL.rawValue)
        let k = { (kind: bk_dist_kind) in Int32(kind.rawValue) }
        let cases: [(Int32, [Double], String)] = [
            (k(BK_DIST_NORMAL), [0, -1], "Normal sd must be positive and finite, got -1"),
            (k(BK_DIST_NORMAL), [.nan, 1], "Normal mean must be finite, got nan"),
            (k(BK_DIST_NORMAL), [0], "Normal takes 2 parameters, got 1"),
            (k(BK_DIST_GAMMA), [-1, 1], "Gamma shape must be positive and finite, got -1"),
            (k(BK_DIST_GAMMA), [1, .infinity], "Gamma rate must be positive and finite, got inf"),
            (k(BK_DIST_INVGAMMA), [2, 0], "InverseGamma scale must be positive and finite, got 0"),
            (k(BK_DIST_EXPONENTIAL), [.nan], "Exponential rate must be positive and finite, got nan"),
            (k(BK_DIST_UNIFORM), [2, 1], "Uniform low must be less than high, got low = 2, high = 1"),
            (k(BK_DIST_BETA), [1, -2], "Beta beta must be positive and finite, got -2"),
            (k(BK_DIST_BERNOULLI), [1.5], "Bernoulli p must be in [0, 1], got 1.5"),
            (k(BK_DIST_BINOMIAL), [2.5, 0.5], "Binomial n must be an integer in [0, 4294967295], got 2.5"),
            (k(BK_DIST_BINOMIAL), [3, .nan], "Binomial p must be in [0, 1], got nan"),
            (k(BK_DIST_POISSON), [0], "Poisson rate must be positive and finite, got 0"),
            (k(BK_DIST_STUDENT_T), [0, 0, 1], "StudentT nu must be positive and finite, got 0"),
            (k(BK_DIST_CAUCHY), [0, -3], "Cauchy scale must be positive and finite, got -3"),
            (k(BK_DIST_HALFNORMAL), [-1], "HalfNormal scale must be positive and finite, got -1"),
            (k(BK_DIST_HALFCAUCHY), [.nan], "HalfCauchy scale must be positive and finite, got nan"),
            (99, [1], "unknown distribution kind 99"),
        ]
        for (kind, params, expected) in cases {
            let (status, text) = initFailure(kind, params)
            #expect(status == einval)
            #expect(text == expected)
        }
    }

    @Test func failedInitLeavesDistributionUnchanged() {
        var d = dist(BK_DIST_NORMAL, [3, 4])
        var err = bk_error()
        #expect(bk_dist_init(&d, Int32(BK_DIST_GAMMA.rawValue), [-1, 1], 2, &err) != 0)
        #expect(d.kind == Int32(BK_DIST_NORMAL.rawValue) && d.p.0 == 3 && d.p.1 == 4)
    }

    @Test func momentsOfUndefinedOrDivergentCases() {
        var c = dist(BK_DIST_CAUCHY, [0, 1])
        #expect(bk_dist_mean(&c).isNaN && bk_dist_variance(&c).isNaN)
        var hc = dist(BK_DIST_HALFCAUCHY, [1])
        #expect(bk_dist_mean(&hc) == .infinity && bk_dist_variance(&hc) == .infinity)
        var t15 = dist(BK_DIST_STUDENT_T, [1.5, 2, 1])
        #expect(bk_dist_mean(&t15) == 2 && bk_dist_variance(&t15) == .infinity)
        var t1 = dist(BK_DIST_STUDENT_T, [1, 2, 1])
        #expect(bk_dist_mean(&t1).isNaN && bk_dist_variance(&t1).isNaN)
        var ig = dist(BK_DIST_INVGAMMA, [1.5, 1])
        #expect(bk_dist_mean(&ig) == 2 && bk_dist_variance(&ig) == .infinity)
    }

    @Test func samplingIsReproducibleAndLeavesOutputOnFailure() {
        var rng: OpaquePointer?
        var err = bk_error()
        #expect(bk_rng_alloc(7, 0, &rng, &err) == 0)
        defer { bk_rng_free(rng) }
        var d = dist(BK_DIST_GAMMA, [2, 3])
        var a = [Double](repeating: 0, count: 100)
        var b = [Double](repeating: 0, count: 100)
        #expect(bk_dist_sample(rng, &d, 100, &a, &err) == 0)
        bk_rng_reset(rng, 7, 0)
        #expect(bk_dist_sample(rng, &d, 100, &b, &err) == 0)
        #expect(a == b)
        var bad = bk_dist()
        bad.kind = 77
        var c = [Double](repeating: -1, count: 3)
        #expect(bk_dist_sample(rng, &bad, 3, &c, &err) != 0)
        #expect(c == [-1, -1, -1])
    }

    @Test func categoricalDirichletAndMVNMessages() {
        var err = bk_error()
        var probs = [Double](repeating: 0, count: 3)
        #expect(bk_categorical_normalize(3, [0.2, -0.5, 1], &probs, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "Categorical probability 1 must be non-negative and finite, got -0.5")
        #expect(bk_categorical_normalize(2, [0, 0], &probs, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "Categorical probabilities must have a positive finite sum, got 0")
        #expect(bk_dirichlet_check(1, [1], &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "Dirichlet needs at least 2 concentrations, got 1")
        #expect(bk_dirichlet_check(3, [1, 2, 0], &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "Dirichlet concentration 2 must be positive and finite, got 0")
        var l = [Double](repeating: 7, count: 4)
        #expect(bk_mvnormal_factor(2, [1, 2, 2, 1], &l, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "MultivariateNormal covariance is not positive definite")
        #expect(l == [7, 7, 7, 7])
        #expect(bk_mvnormal_factor(2, [1, 0.5, 0.4, 1], &l, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "MultivariateNormal covariance must be symmetric, got 0.4 at (1, 0) and 0.5 at (0, 1)")
        #expect(bk_mvnormal_factor(2, [4, 2, 2, 5], &l, &err) == 0)
        #expect(l == [2, 0, 1, 2])
    }

    @Test func dirichletLogDensityMatchesClosedForm() {
        let alpha = [2.0, 3.0, 0.5]
        var out = 0.0
        var err = bk_error()
        let x = [0.2, 0.5, 0.3]
        #expect(bk_dirichlet_logpdf(3, alpha, x, &out, &err) == 0)
        let expected = lgamma(5.5) - lgamma(2.0) - lgamma(3.0) - lgamma(0.5) + log(0.2) + 2 * log(0.5) - 0.5 * log(0.3)
        #expect(close(out, expected))
        #expect(bk_dirichlet_logpdf(3, alpha, [0.2, 0.5, 0.4], &out, &err) == 0)
        #expect(out == -.infinity)
        #expect(bk_dirichlet_logpdf(3, alpha, [-0.1, 0.8, 0.3], &out, &err) == 0)
        #expect(out == -.infinity)
    }
}
