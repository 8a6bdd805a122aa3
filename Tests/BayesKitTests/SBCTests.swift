import Foundation
import Testing
@testable import BayesKit

/// Simulation-based calibration on the conjugate normal model
/// θ ~ N(0, 1), y_1..5 | θ ~ N(θ, 1), posterior N(Σy/6, 1/6): uniform ranks
/// for exact posterior draws and for random-walk MH, a detected failure for a
/// deliberately under-dispersed "posterior". Fixed seeds: each test's
/// outcome is deterministic; the χ² thresholds are far in the tails.
@Suite struct SBCTests {
    static let n = 5

    @Sendable static func simulate(_ stream: RandomStream) throws -> (parameters: [Double], data: [Double]) {
        let theta = stream.normal()
        return ([theta], (0..<n).map { _ in theta + stream.normal() })
    }

    static func exactFit(sdFactor: Double) -> @Sendable ([Double], RandomStream) throws -> Matrix {
        { y, stream in
            let lambda = 1.0 + Double(n), mean = y.reduce(0, +) / lambda, sd = sdFactor / lambda.squareRoot()
            return try Matrix(rows: 99, columns: 1, values: (0..<99).map { _ in mean + sd * stream.normal() })
        }
    }

    @Test func exactPosteriorGivesUniformRanksForAnyThreadCount() throws {
        let one = try SBC.run(replications: 400, posteriorDraws: 99, parameterNames: ["theta"], seed: 1, threads: 1,
                              simulate: Self.simulate, fit: Self.exactFit(sdFactor: 1))
        let two = try SBC.run(replications: 400, posteriorDraws: 99, parameterNames: ["theta"], seed: 1, threads: 2,
                              simulate: Self.simulate, fit: Self.exactFit(sdFactor: 1))
        #expect(one.ranks == two.ranks)
        #expect(one.ranks.allSatisfy { $0[0] >= 0 && $0[0] <= 99 })
        let test = try one.uniformityTest(parameter: 0, bins: 10)
        #expect(test.pValue > 0.001, "chi2 \(test.chiSquare), p \(test.pValue)")
        let band = try SBC.ECDFBand(count: 400, seed: 2)
        #expect(band.gamma > 0 && band.gamma < 0.05)
        #expect(one.ecdfExcess(parameter: 0, band: band) == 0)
    }

    @Test func underDispersedPosteriorIsDetected() throws {
        let result = try SBC.run(replications: 400, posteriorDraws: 99, parameterNames: ["theta"], seed: 1,
                                 simulate: Self.simulate, fit: Self.exactFit(sdFactor: 0.5))
        let counts = try result.histogram(parameter: 0, bins: 10)
        // ∪ shape: the extreme bins hold far more than the middle ones.
        #expect(counts[0] + counts[9] > 3 * (counts[4] + counts[5]), "\(counts)")
        #expect(try result.uniformityTest(parameter: 0, bins: 10).pValue < 1e-6)
        #expect(result.ecdfExcess(parameter: 0, band: try SBC.ECDFBand(count: 400, seed: 2)) > 1)
    }

    @Test func randomWalkMetropolisIsCalibrated() throws {
        @Sendable func logPosterior(_ t: Double, _ y: [Double]) -> Double {
            var s = -0.5 * t * t
            for v in y { s -= 0.5 * (v - t) * (v - t) }
            return s
        }
        @Sendable func fit(_ y: [Double], _ stream: RandomStream) throws -> Matrix {
            let model = try LogDensity(dimension: 1) { (t: [Double]) -> Double in logPosterior(t[0], y) }
            let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.8), chains: 1, warmup: 300, draws: 3000, thin: 1, adaptScale: false)
            let seed = UInt64(stream.uniform() * 4_294_967_296)
            let start: [Double] = [y.reduce(0, +) / 6]
            return try mcmc.run(model, initial: .given([start]), seed: seed, threads: 1).chain(0)
        }
        let result = try SBC.run(replications: 200, posteriorDraws: 99, parameterNames: ["theta"], seed: 3,
                                 simulate: Self.simulate, fit: fit)
        let test = try result.uniformityTest(parameter: 0, bins: 10)
        let counts = try result.histogram(parameter: 0, bins: 10)
        #expect(test.pValue > 0.001, "chi2 \(test.chiSquare), p \(test.pValue), \(counts)")
    }

    @Test func badInputGivesClearErrors() throws {
        #expect(throws: BayesKitError.self) {
            try SBC.run(replications: 0, posteriorDraws: 9, parameterNames: ["a"], simulate: Self.simulate, fit: Self.exactFit(sdFactor: 1))
        }
        // fit returns too few draws: the error names the replication
        do {
            _ = try SBC.run(replications: 3, posteriorDraws: 200, parameterNames: ["theta"], simulate: Self.simulate,
                            fit: Self.exactFit(sdFactor: 1))
            Issue.record("too few draws accepted")
        } catch let e as BayesKitError {
            let message: String = e.message
            #expect(message.contains("SBC replication 0"), "\(message)")
            #expect(message.contains("fewer than 200"), "\(message)")
        }
        let r = try SBC.run(replications: 10, posteriorDraws: 99, parameterNames: ["theta"], simulate: Self.simulate,
                            fit: Self.exactFit(sdFactor: 1))
        #expect(throws: BayesKitError.self) { try r.histogram(parameter: 0, bins: 7) }
        #expect(throws: BayesKitError.self) { try SBC.ECDFBand(count: 0) }
    }

    /// θ = (a, b) ~ N(0, I), y_1..10 ~ N(a + b, 1): the posterior is strongly
    /// correlated (ρ ≈ −0.95). Mean-field ADVI's marginals are too narrow
    /// (sd 0.30 against 0.72), and SBC sees it (Talts et al. 2018, section 5);
    /// full-rank ADVI and NUTS are calibrated.
    static let m = 10
    @Sendable static func simulateSum(_ stream: RandomStream) throws -> (parameters: [Double], data: [Double]) {
        let a = stream.normal(), b = stream.normal()
        return ([a, b], (0..<m).map { _ in a + b + stream.normal() })
    }
    static func sumModel(_ y: [Double]) throws -> LogDensity {
        let total = y.reduce(0, +), n = Double(y.count)
        return try LogDensity(dimension: 2) { (t: [Double]) -> (Double, [Double]) in
            let s = t[0] + t[1]
            // −½(a² + b²) − ½ Σ (y_i − s)², up to a constant
            let value = -0.5 * (t[0] * t[0] + t[1] * t[1]) - 0.5 * (n * s * s - 2 * s * total)
            let common = total - n * s
            return (value, [-t[0] + common, -t[1] + common])
        }
    }

    static func adviSBC(_ family: ADVI.Family) throws -> SBC.Result {
        try SBC.run(replications: 100, posteriorDraws: 99, parameterNames: ["a", "b"], seed: 4, simulate: Self.simulateSum) { y, stream in
            let fit = try ADVI(family: family, samples: 8, steps: 1500, learningRate: 0.05)
                .fit(try Self.sumModel(y), seed: UInt64(stream.uniform() * 4_294_967_296))
            let draws = try fit.sample(99, seed: UInt64(stream.uniform() * 4_294_967_296))
            return try Matrix(rows: 99, columns: 2, values: draws.flatMap { $0 })
        }
    }

    @Test func meanFieldADVIIsUnderDispersedAndFullRankIsNot() throws {
        let meanField = try Self.adviSBC(.meanField)
        for j in 0..<2 {
            let counts = try meanField.histogram(parameter: j, bins: 10)
            #expect(counts[0] + counts[9] > 3 * (counts[4] + counts[5]), "mean-field \(j): \(counts)")
            #expect(try meanField.uniformityTest(parameter: j, bins: 10).pValue < 1e-6)
        }
        let fullRank = try Self.adviSBC(.fullRank)
        for j in 0..<2 {
            let test = try fullRank.uniformityTest(parameter: j, bins: 10)
            let counts = try fullRank.histogram(parameter: j, bins: 10)
            #expect(test.pValue > 0.001, "full-rank \(j): \(counts)")
        }
    }

    @Test func nutsIsCalibrated() throws {
        let result = try SBC.run(replications: 100, posteriorDraws: 99, parameterNames: ["a", "b"], seed: 5,
                                 simulate: Self.simulateSum) { y, stream in
            let mcmc = MCMC(kernel: NUTS(), chains: 1, warmup: 300, draws: 990, thin: 1)
            return try mcmc.run(try Self.sumModel(y), initial: .given([[0, 0]]),
                                seed: UInt64(stream.uniform() * 4_294_967_296), threads: 1).chain(0)
        }
        for j in 0..<2 {
            let test = try result.uniformityTest(parameter: j, bins: 10)
            let counts = try result.histogram(parameter: j, bins: 10)
            #expect(test.pValue > 0.001, "NUTS \(j): \(counts)")
        }
    }
}
