import BayesKit
import Foundation
import Testing

/// Sampling: moments and quantiles within Monte Carlo error (n = 200 000,
/// fixed seeds, 5 standard errors), and reproducibility of streams.
@Suite struct DistributionSamplingTests {
    typealias S = DistributionStats

    @Test func continuousMoments() throws {
        try S.expectMoments(Normal(mean: 1.5, sd: 2), seed: 1)
        try S.expectMoments(LogNormal(mu: 0.2, sigma: 0.4), seed: 2)
        try S.expectMoments(Gamma(shape: 3, rate: 2), seed: 3)
        try S.expectMoments(Gamma(shape: 0.4, rate: 0.5), seed: 4)  // GSL's shape < 1 branch
        try S.expectMoments(Gamma(shape: 2, scale: 3), seed: 5)
        try S.expectMoments(InverseGamma(shape: 12, scale: 3), seed: 6)
        try S.expectMoments(Exponential(rate: 0.5), seed: 7)
        try S.expectMoments(Uniform(low: -2, high: 5), seed: 8)
        try S.expectMoments(Beta(alpha: 2, beta: 5), seed: 9)
        try S.expectMoments(Beta(alpha: 0.3, beta: 0.6), seed: 10)
        try S.expectMoments(StudentT(nu: 12, loc: -1, scale: 2), seed: 11)
        try S.expectMoments(HalfNormal(scale: 1.5), seed: 12)
    }

    @Test func discreteMomentsAndFrequencies() throws {
        try S.expectMoments(Bernoulli(p: 0.3), seed: 20)
        try S.expectMoments(Binomial(n: 20, p: 0.35), seed: 21)
        try S.expectMoments(Binomial(n: 1000, p: 0.02), seed: 22)
        try S.expectMoments(Poisson(rate: 3.5), seed: 23)
        try S.expectMoments(Poisson(rate: 80), seed: 24)  // GSL's large-rate branch
        try S.expectFrequencies(Bernoulli(p: 0.3), upTo: 1, seed: 25)
        try S.expectFrequencies(Binomial(n: 8, p: 0.6), upTo: 8, seed: 26)
        try S.expectFrequencies(Poisson(rate: 2.5), upTo: 8, seed: 27)
    }

    @Test func quantilesOfEveryContinuousFamilyIncludingHeavyTails() throws {
        try S.expectQuantiles(Cauchy(loc: 2, scale: 0.5), seed: 30)
        try S.expectQuantiles(HalfCauchy(scale: 2), seed: 31)
        try S.expectQuantiles(StudentT(nu: 1.5, loc: 0, scale: 1), seed: 32)
        try S.expectQuantiles(StudentT(nu: 0.7, loc: 3, scale: 2), seed: 33)
        try S.expectQuantiles(InverseGamma(shape: 0.8, scale: 1), seed: 34)
        try S.expectQuantiles(LogNormal(mu: 1, sigma: 2), seed: 35)
        try S.expectQuantiles(Normal(mean: -3, sd: 0.1), seed: 36)
        try S.expectQuantiles(Gamma(shape: 0.1, rate: 1), seed: 37)
        try S.expectQuantiles(Beta(alpha: 0.5, beta: 0.5), seed: 38)
        try S.expectQuantiles(Exponential(rate: 3), seed: 39)
        try S.expectQuantiles(Uniform(low: 0, high: 1), seed: 40)
        try S.expectQuantiles(HalfNormal(scale: 0.2), seed: 41)
    }

    @Test func supportOfDraws() throws {
        let stream = try RandomStream(seed: 50)
        #expect(try HalfCauchy(scale: 1).sample(10_000, using: stream).allSatisfy { $0 >= 0 })
        #expect(try Beta(alpha: 0.2, beta: 0.2).sample(10_000, using: stream).allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(try Binomial(n: 7, p: 0.5).sample(10_000, using: stream).allSatisfy { $0 == $0.rounded() && $0 <= 7 })
        #expect(try Uniform(low: 3, high: 4).sample(10_000, using: stream).allSatisfy { $0 >= 3 && $0 <= 4 })
        #expect(try InverseGamma(shape: 2, scale: 1).sample(10_000, using: stream).allSatisfy { $0 > 0 })
    }

    @Test func sameSeedAndStreamReproduce() throws {
        let d = try Gamma(shape: 2, rate: 1)
        let a = try d.sample(1000, using: RandomStream(seed: 42, stream: 3))
        let b = try d.sample(1000, using: RandomStream(seed: 42, stream: 3))
        #expect(a == b)
        let other = try d.sample(1000, using: RandomStream(seed: 42, stream: 4))
        #expect(a != other)
        let otherSeed = try d.sample(1000, using: RandomStream(seed: 43, stream: 3))
        #expect(a != otherSeed)
        let stream = try RandomStream(seed: 42, stream: 3)
        let first = try d.sample(10, using: stream)
        let second = try d.sample(10, using: stream)
        #expect(first != second)
        stream.reset()
        #expect(try d.sample(10, using: stream) == first)
        #expect(first == Array(a.prefix(10)))
    }
}
