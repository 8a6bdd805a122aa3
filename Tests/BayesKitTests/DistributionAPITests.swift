import BayesKit
import Foundation
import Testing

/// The Swift distribution API: densities, CDFs, quantiles, moments and the
/// errors a user gets from bad parameters.
@Suite struct DistributionAPITests {
    @Test func normalLogDensityClosedForm() throws {
        let d = try Normal(mean: 1, sd: 2)
        let expected = -0.5 * log(2 * Double.pi) - log(2.0) - 0.5 * (0.25 / 4)
        #expect(abs(d.logDensity(0.5) - expected) < 1e-15)
        #expect(d.mean == 1 && d.variance == 4 && d.standardDeviation == 2)
    }

    @Test func vectorisedLogDensityEqualsScalar() throws {
        let families: [any UnivariateDistribution] = [
            try Normal(), try LogNormal(mu: 0, sigma: 1), try Gamma(shape: 2, rate: 3),
            try InverseGamma(shape: 3, scale: 1), try Exponential(rate: 2), try Uniform(low: -1, high: 1),
            try Beta(alpha: 2, beta: 2), try Bernoulli(p: 0.3), try Binomial(n: 5, p: 0.4), try Poisson(rate: 2),
            try StudentT(nu: 3), try Cauchy(), try HalfNormal(), try HalfCauchy(),
        ]
        let xs = [-2.0, -0.5, 0, 0.25, 1, 2, 3.5, 10, .nan]
        for d in families {
            let vector = d.logDensity(xs)
            for (x, y) in zip(xs, vector) {
                let scalar = d.logDensity(x)
                #expect(y == scalar || (y.isNaN && scalar.isNaN), "\(d) at \(x)")
            }
        }
    }

    @Test func gammaScaleAndRateAgree() throws {
        let byRate = try Gamma(shape: 2.5, rate: 4)
        let byScale = try Gamma(shape: 2.5, scale: 0.25)
        #expect(byScale.rate == 4 && byRate.scale == 0.25)
        #expect(byRate.mean == 2.5 / 4 && byRate.variance == 2.5 / 16)
        for x in [0.1, 0.5, 2.0] {
            #expect(abs(byRate.logDensity(x) - byScale.logDensity(x)) < 1e-14)
            // p(x) = β^α/Γ(α) x^{α-1} e^{-βx}
            #expect(abs(byRate.logDensity(x) - (2.5 * log(4.0) - lgamma(2.5) + 1.5 * log(x) - 4 * x)) < 1e-13)
        }
    }

    @Test func cdfAndQuantileKnownValues() throws {
        #expect(abs(try Normal().quantile(0.975) - 1.959963984540054) < 2e-15)
        #expect(abs(try Exponential(rate: 2).cdf(1) - (1 - exp(-2.0))) < 1e-15)
        #expect(abs(try Beta(alpha: 2, beta: 3).cdf(0.5) - 0.6875) < 1e-14)
        #expect(abs(try Gamma(shape: 2, rate: 1).cdf(1) - (1 - 2 / M_E)) < 1e-14)
        #expect(abs(try Cauchy(loc: 0, scale: 2).quantile(0.75) - 2) < 1e-14)
        #expect(abs(try Poisson(rate: 2).cdf(1) - 3 * exp(-2.0)) < 1e-14)
        #expect(abs(try Binomial(n: 10, p: 0.5).cdf(5) - 638.0 / 1024) < 1e-14)
        let continuous: [any ContinuousDistribution] = [
            try Normal(mean: -1, sd: 3), try LogNormal(mu: 1, sigma: 0.5), try Gamma(shape: 0.7, rate: 2),
            try InverseGamma(shape: 2, scale: 3), try Exponential(rate: 4), try Uniform(low: 2, high: 9),
            try Beta(alpha: 0.5, beta: 3), try StudentT(nu: 2.5, loc: 1, scale: 0.5), try Cauchy(loc: 3, scale: 1),
            try HalfNormal(scale: 2), try HalfCauchy(scale: 3),
        ]
        for d in continuous {
            for x in [0.3, 1.0, 2.5, 5.0] {
                let p = d.cdf(x)
                guard p > 1e-12, p < 1 - 1e-12 else { continue }
                let back = try d.quantile(p)
                #expect(abs(back - x) < 1e-8 * max(1, abs(x)), "\(d): quantile(cdf(\(x))) = \(back)")
            }
        }
    }

    @Test func momentsWhereUndefinedOrInfinite() throws {
        let c = try Cauchy(loc: 1, scale: 2)
        #expect(c.mean.isNaN && c.variance.isNaN)
        let hc = try HalfCauchy(scale: 1)
        #expect(hc.mean == .infinity && hc.variance == .infinity)
        #expect(try StudentT(nu: 1.5).variance == .infinity)
        #expect(try StudentT(nu: 0.9).mean.isNaN)
        #expect(try InverseGamma(shape: 0.5, scale: 1).mean == .infinity)
    }

    @Test func outOfSupportIsMinusInfinity() throws {
        #expect(try LogNormal(mu: 0, sigma: 1).logDensity(-1) == -.infinity)
        #expect(try Gamma(shape: 2, rate: 1).logDensity(-0.1) == -.infinity)
        #expect(try Beta(alpha: 2, beta: 2).logDensity(1.1) == -.infinity)
        #expect(try Poisson(rate: 3).logDensity(2.5) == -.infinity)
        #expect(try Binomial(n: 3, p: 0.5).logDensity(4) == -.infinity)
        #expect(try Uniform(low: 0, high: 1).logDensity(-0.01) == -.infinity)
        #expect(try HalfNormal(scale: 1).logDensity(-1) == -.infinity)
    }

    @Test func invalidParametersThrowNamedMessages() {
        typealias S = DistributionStats
        S.expectError(.invalidArgument, "Normal sd must be positive and finite, got -1") { _ = try Normal(mean: 0, sd: -1) }
        S.expectError(.invalidArgument, "Normal mean must be finite, got nan") { _ = try Normal(mean: .nan) }
        S.expectError(.invalidArgument, "LogNormal sigma must be positive and finite, got 0") {
            _ = try LogNormal(mu: 0, sigma: 0)
        }
        S.expectError(.invalidArgument, "Gamma shape must be positive and finite, got -1") {
            _ = try Gamma(shape: -1, rate: 1)
        }
        S.expectError(.invalidArgument, "Gamma scale must be positive and finite, got -2") {
            _ = try Gamma(shape: 1, scale: -2)
        }
        S.expectError(.invalidArgument, "Gamma shape must be positive and finite, got nan") {
            _ = try Gamma(shape: .nan, scale: -2)
        }
        S.expectError(.invalidArgument, "InverseGamma scale must be positive and finite, got inf") {
            _ = try InverseGamma(shape: 1, scale: .infinity)
        }
        S.expectError(.invalidArgument, "Exponential rate must be positive and finite, got -3") {
            _ = try Exponential(rate: -3)
        }
        S.expectError(.invalidArgument, "Uniform low must be less than high, got low = 1, high = 1") {
            _ = try Uniform(low: 1, high: 1)
        }
        S.expectError(.invalidArgument, "Beta alpha must be positive and finite, got 0") { _ = try Beta(alpha: 0, beta: 1) }
        S.expectError(.invalidArgument, "Bernoulli p must be in [0, 1], got 1.5") { _ = try Bernoulli(p: 1.5) }
        S.expectError(.invalidArgument, "Binomial n must be an integer in [0, 4294967295], got -3") {
            _ = try Binomial(n: -3, p: 0.5)
        }
        S.expectError(.invalidArgument, "Binomial p must be in [0, 1], got nan") { _ = try Binomial(n: 3, p: .nan) }
        S.expectError(.invalidArgument, "Poisson rate must be positive and finite, got 0") { _ = try Poisson(rate: 0) }
        S.expectError(.invalidArgument, "StudentT scale must be positive and finite, got -1") {
            _ = try StudentT(nu: 3, loc: 0, scale: -1)
        }
        S.expectError(.invalidArgument, "Cauchy loc must be finite, got -inf") { _ = try Cauchy(loc: -.infinity) }
        S.expectError(.invalidArgument, "HalfNormal scale must be positive and finite, got -1") {
            _ = try HalfNormal(scale: -1)
        }
        S.expectError(.invalidArgument, "HalfCauchy scale must be positive and finite, got nan") {
            _ = try HalfCauchy(scale: .nan)
        }
    }

    @Test func quantileOutsideUnitIntervalThrows() throws {
        let d = try Normal()
        DistributionStats.expectError(.invalidArgument, "Normal quantile probability must be in [0, 1], got 1.5") {
            _ = try d.quantile(1.5)
        }
        DistributionStats.expectError(.invalidArgument, "Normal quantile probability must be in [0, 1], got -0.1") {
            _ = try d.quantile(-0.1)
        }
        DistributionStats.expectError(.invalidArgument, "Beta quantile probability must be in [0, 1], got nan") {
            _ = try Beta(alpha: 1, beta: 1).quantile(.nan)
        }
        #expect(try d.quantile(0) == -.infinity && d.quantile(1) == .infinity)
    }

    @Test func gslInversionFailureDoesNotAbort() throws {
        // GSL's gamma inversion fails to converge here, which would abort the
        // process under GSL's default error handler.
        let g = try Gamma(shape: 0.01, rate: 1)
        let x = try g.quantile(0.5)
        #expect(abs(g.cdf(x) - 0.5) < 1e-9)
    }

    @Test func negativeSampleCountThrows() throws {
        let stream = try RandomStream(seed: 1)
        DistributionStats.expectError(.invalidArgument, "sample count must be >= 0, got -1") {
            _ = try Normal().sample(-1, using: stream)
        }
        #expect(try Normal().sample(0, using: stream).isEmpty)
    }
}

/// The vectorised Normal log density (hoisted constants) agrees bit for bit
/// with the scalar one, including NaN.
@Test func normalArrayLogDensityEqualsScalar() throws {
    let d = try Normal(mean: 0.3, sd: 1.7)
    let xs = try RandomStream(seed: 12).normals(1000, sd: 3) + [.nan, .infinity, -0.0]
    let array = d.logDensity(xs)
    #expect(array.map(\.bitPattern).dropLast(3) == xs.map { d.logDensity($0).bitPattern }.dropLast(3))
    #expect(array[1000].isNaN && array[1001] == -.infinity)
}
