import BayesKit
import Foundation
import Testing

/// Seed 003's coin flips (Beta–Bernoulli/Binomial) and the Normal mean with
/// known variance, against their closed forms.
@Suite struct ConjugateTests {
    static func close(_ a: Double, _ b: Double, rel: Double = 1e-12) -> Bool {
        a == b || abs(a - b) <= rel * max(abs(a), abs(b))
    }

    /// Uniform prior, 7 heads in 10 flips: Beta(8, 4); predictive 8/12 (Laplace's
    /// rule (h + 1)/(n + 2)); MLE 0.7; MAP = MLE under the uniform prior.
    @Test func uniformPriorCoinFlips() throws {
        let flips = [true, true, false, true, true, false, true, true, false, true]
        let c = try BetaBernoulli().observing(flips)
        #expect(c.successes == 7 && c.failures == 3 && c.trials == 10)
        #expect(c.posteriorAlpha == 8 && c.posteriorBeta == 4)
        #expect(Self.close(c.predictiveProbability, 8.0 / 12))
        #expect(c.maximumLikelihood == 0.7)
        #expect(Self.close(c.maximumAPosteriori!, 0.7))
        #expect(Self.close(c.posteriorVariance, 8.0 * 4 / (144 * 13)))
        let beta = try c.posterior()
        #expect(Self.close(beta.mean, c.predictiveProbability))
        // evidence of the sequence: B(8, 4)/B(1, 1) = 7! 3! / 11!
        #expect(Self.close(c.logMarginalLikelihood, log(5040.0 * 6 / 39_916_800)))
        let ci = try c.credibleInterval(level: 0.9)
        #expect(Self.close(beta.cdf(ci.upperBound) - beta.cdf(ci.lowerBound), 0.9, rel: 1e-9))
    }

    /// Beta(a, b) prior: predictive (a + h)/(N + a + b), MAP (a + h − 1)/(N + a + b − 2),
    /// sequential updating equals the batch update, binomial data the same as flips.
    @Test func betaPriorSequentialAndBinomial() throws {
        let prior = try BetaBernoulli(alpha: 2, beta: 5)
        let flips = [true, false, false, true, true, true]
        let batch = prior.observing(flips)
        let steps = prior.sequentialUpdates(flips)
        #expect(steps.count == 7 && steps.first == prior && steps.last == batch)
        #expect(Self.close(batch.predictiveProbability, 6.0 / 13))
        #expect(Self.close(batch.maximumAPosteriori!, 5.0 / 11))  // (a + h - 1)/(N + a + b - 2)
        #expect(prior.maximumLikelihood == nil)
        #expect(Self.close(prior.maximumAPosteriori!, 1.0 / 5))
        #expect(try prior.observing(successes: 4, trials: 6) == batch)
        // MAP is shrunk towards the prior mean 2/7 relative to the MLE 4/6
        #expect(batch.maximumAPosteriori! < batch.maximumLikelihood!)
        // Beta-binomial predictive sums to 1, mean m·a'/(a' + b')
        let pmf = try batch.predictiveCounts(trials: 5)
        #expect(Self.close(pmf.reduce(0, +), 1, rel: 1e-12))
        #expect(Self.close(zip(0..., pmf).reduce(0) { $0 + Double($1.0) * $1.1 }, 5 * 6.0 / 13, rel: 1e-12))
        // edge modes
        #expect(try BetaBernoulli().maximumAPosteriori == nil)
        #expect(try BetaBernoulli().observing([true]).maximumAPosteriori == 1)
        #expect(try BetaBernoulli(alpha: 0.5, beta: 0.5).maximumAPosteriori == nil)
        #expect(throws: BayesKitError(.invalidArgument, "successes must be in 0...trials, got 5 successes in 3 trials")) {
            try prior.observing(successes: 5, trials: 3)
        }
        #expect(throws: BayesKitError(.invalidArgument, "Beta prior parameters must be finite and > 0, got alpha 0, beta 1")) {
            try BetaBernoulli(alpha: 0, beta: 1)
        }
    }

    /// μ ~ N(1, 2²), σ = 0.5, data (0.8, 1.4, 1.1): 1/τ² = 1/4 + 12, μ_N = τ²(1/4 + 3.3·4).
    @Test func normalMeanWithKnownVariance() throws {
        let m = try NormalKnownVariance(priorMean: 1, priorSD: 2, noiseSD: 0.5).observing([0.8, 1.4, 1.1])
        let tau2 = 1 / (0.25 + 12)
        #expect(Self.close(m.posteriorVariance, tau2))
        #expect(Self.close(m.posteriorMean, tau2 * (0.25 + 3.3 * 4)))
        #expect(Self.close(try m.predictive().variance, tau2 + 0.25))
        #expect(Self.close(m.maximumLikelihood!, 1.1))
        // sequential = batch
        let seq = try NormalKnownVariance(priorMean: 1, priorSD: 2, noiseSD: 0.5).observing([0.8]).observing([1.4, 1.1])
        #expect(Self.close(seq.posteriorMean, m.posteriorMean))
        #expect(throws: BayesKitError(.invalidArgument, "noise sd must be finite and > 0, got 0")) {
            try NormalKnownVariance(noiseSD: 0)
        }
        #expect(throws: BayesKitError(.nonFinite, "data contains a non-finite value (nan) at index 1")) {
            try m.observing([1, .nan])
        }
    }
}
