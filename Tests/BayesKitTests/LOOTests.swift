import Foundation
import Testing
@testable import BayesKit

/// PSIS-LOO, WAIC and PSIS against ArviZ 0.23.4 on the fixed matrices of
/// `Tests/Reference/loo_reference.py` (regenerated bit for bit), and
/// PSIS-LOO against exact leave-one-out on a conjugate normal model.
@Suite struct LOOTests {
    static let y = [-1.0, -0.4, -0.1, 0.0, 0.2, 0.5, 1.1, 3.0]

    struct Reference {
        let kind: String
        let seed: UInt64
        let muSum, elpd, se, pLOO: Double
        let pointwise, k: [Double]
        let waic, waicSE, pWAIC, psisK, psisLW0: Double
    }

    static let references = [
        Reference(kind: "normal", seed: 11, muSum: -6.598643515328879, elpd: -34.11605119974862, se: 21.90747901443023, pLOO: 15.765243315642945,
                  pointwise: [-3.222392428575845, -0.7035167671291678, -0.2512680249145802, -0.22600253285839056, -0.3587641532350032, -1.015731610147614, -3.879858337381127, -24.45851734550689],
                  k: [0.6712206799071646, 0.4682067009650148, 0.42122705247287134, 0.2938108617772823, 0.07673137929955318, 0.17947164202399918, 0.4018270454273317, 1.252018760140927],
                  waic: -36.05892897426691, waicSE: 23.9680747705613, pWAIC: 17.708121090161242,
                  psisK: 1.434709900713612, psisLW0: -14.31335688543954),
        Reference(kind: "t3", seed: 12, muSum: -28.76988197350395, elpd: -157.41292130623208, se: 34.99655728700468, pLOO: 145.81295592080227,
                  pointwise: [-18.736039956201353, -14.067880971867016, -12.989919745681444, -12.448617935734703, -12.669579203694713, -14.600460719771627, -20.2828115304401, -51.61761124284112],
                  k: [4.403748270100937, 4.090666344889256, 3.9864045676201982, 3.80975576248218, 3.729933571038084, 3.8876384339627093, 4.273747140466457, 6.344565624906067],
                  waic: -110.36756513293145, waicSE: 38.4599610972866, pWAIC: 98.76759974750165,
                  psisK: 6.302216909334734, psisLW0: -44.59267229436192),
    ]

    static func fixture(_ r: Reference) throws -> (mu: [Double], loglik: Matrix) {
        var g = DiagnosticFixtures.LCG(s: r.seed)
        let mu: [Double] = (0..<1000).map { _ in
            if r.kind == "normal" { return 0.3 * g.normal() }
            let e1 = g.normal(), e2 = g.normal(), e3 = g.normal(), e4 = g.normal()
            return 0.3 * e1 / ((e2 * e2 + e3 * e3 + e4 * e4) / 3.0).squareRoot()
        }
        let values = mu.flatMap { m in y.map { -2.0 * ($0 - m) * ($0 - m) } }
        return (mu, try Matrix(rows: 1000, columns: y.count, values: values))
    }

    static func close(_ a: Double, _ b: Double, _ rel: Double) -> Bool {
        a == b || abs(a - b) <= rel * max(abs(a), abs(b))
    }

    @Test(arguments: references) func looAndWAICMatchArviZ(_ r: Reference) throws {
        let (mu, loglik) = try Self.fixture(r)
        #expect(mu.reduce(0, +) == r.muSum, "fixture differs from the script's")
        for threads in [1, 2] {
            let loo = try ModelChecking.loo(logLikelihood: loglik, threads: threads)
            #expect(Self.close(loo.elpd, r.elpd, 1e-10) && Self.close(loo.se, r.se, 1e-9) && Self.close(loo.effectiveParameters, r.pLOO, 1e-9),
                    "\(loo.elpd) \(loo.se) \(loo.effectiveParameters)")
            for i in 0..<Self.y.count {
                #expect(Self.close(loo.pointwise[i], r.pointwise[i], 1e-10), "elpd_\(i): \(loo.pointwise[i]) vs \(r.pointwise[i])")
                #expect(Self.close(loo.paretoK[i], r.k[i], 1e-9), "k_\(i): \(loo.paretoK[i]) vs \(r.k[i])")
            }
            let waic = try ModelChecking.waic(logLikelihood: loglik, threads: threads)
            #expect(Self.close(waic.elpd, r.waic, 1e-10) && Self.close(waic.se, r.waicSE, 1e-9) && Self.close(waic.effectiveParameters, r.pWAIC, 1e-9))
        }
        let column = (0..<1000).map { -loglik[$0, 7] }
        let psis = try ModelChecking.psis(logWeights: column, relativeEfficiency: 0.7)
        #expect(Self.close(psis.k, r.psisK, 1e-9) && Self.close(psis.logWeights[0], r.psisLW0, 1e-10), "\(psis.k) \(psis.logWeights[0])")
    }

    @Test func flagsUnreliableObservations() throws {
        let normal = try ModelChecking.loo(logLikelihood: try Self.fixture(Self.references[0]).loglik)
        #expect(abs(normal.goodK - 0.6666666666666667) < 1e-15)
        // y = 3 lies far in the tail (k 1.25) and y = -1 just above the threshold (k 0.671)
        #expect(normal.badObservations == [0, 7])
    }

    /// y_i ~ N(μ, 1), μ ~ N(0, 10²): exact leave-one-out predictive
    /// p(y_i | y_-i) = N(y_i; m_-i, 1 + 1/λ_-i), λ_-i = 1/100 + (n − 1),
    /// m_-i = Σ_{j≠i} y_j / λ_-i. PSIS-LOO on S exact posterior draws must
    /// agree within 5 Monte Carlo standard deviations, estimated from 10
    /// replications with other seeds.
    @Test func looMatchesExactLeaveOneOutOnConjugateNormal() throws {
        let data = try Normal(mean: 0.7, sd: 1).sample(30, using: RandomStream(seed: 3, stream: 0))
        let n = data.count, total = data.reduce(0, +)
        var exact = 0.0
        for yi in data {
            let lambda = 0.01 + Double(n - 1), m = (total - yi) / lambda
            exact += try Normal(mean: m, sd: (1 + 1 / lambda).squareRoot()).logDensity(yi)
        }
        let lambda = 0.01 + Double(n), mean = total / lambda
        let posterior = try Normal(mean: mean, sd: (1 / lambda).squareRoot())
        let unit = try Normal(mean: 0, sd: 1)
        func estimate(seed: UInt64) throws -> Double {
            let mu = try posterior.sample(4000, using: RandomStream(seed: seed, stream: 0))
            let values = mu.flatMap { m in data.map { unit.logDensity($0 - m) } }
            return try ModelChecking.loo(logLikelihood: Matrix(rows: mu.count, columns: n, values: values)).elpd
        }
        let replications = try (100..<110).map { try estimate(seed: UInt64($0)) }
        let rm = replications.reduce(0, +) / 10
        let sd = (replications.reduce(0) { $0 + ($1 - rm) * ($1 - rm) } / 9).squareRoot()
        let e = try estimate(seed: 1)
        #expect(sd > 0 && abs(e - exact) < 5 * sd + 1e-3, "PSIS-LOO \(e), exact \(exact), MC sd \(sd)")
    }

    @Test func badInputGivesClearErrors() throws {
        let few = try Matrix(rows: 5, columns: 2, values: [Double](repeating: -1, count: 10))
        #expect(throws: BayesKitError.self) { try ModelChecking.loo(logLikelihood: few) }
        var values = [Double](repeating: -1, count: 40)
        values[13] = .nan
        let withNaN = try Matrix(rows: 20, columns: 2, values: values)
        do {
            _ = try ModelChecking.loo(logLikelihood: withNaN)
            Issue.record("NaN accepted")
        } catch let e as BayesKitError {
            #expect(e.message.contains("draw 6, observation 1"), "\(e.message)")
        }
        let ok = try Matrix(rows: 20, columns: 2, values: (0..<40).map { -Double($0 % 7) })
        #expect(throws: BayesKitError.self) { try ModelChecking.loo(logLikelihood: ok, relativeEfficiency: [1, 0]) }
        #expect(throws: BayesKitError.self) { try ModelChecking.loo(logLikelihood: ok, relativeEfficiency: [1]) }
        #expect(throws: BayesKitError.self) { try ModelChecking.loo(logLikelihood: ok, replicated: ok) }
        #expect(throws: BayesKitError.self) { try ModelChecking.psis(logWeights: [1, 2, 3]) }
    }

    @Test func looPITIsUniformForTheTrueModelAndComparisonRanksModels() throws {
        // Draws of the data-generating distribution itself: y_rep ~ N(0, 1) per draw.
        let n = 200, s = 1000
        let y = try Normal(mean: 0, sd: 1).sample(n, using: RandomStream(seed: 7, stream: 0))
        let rep = try Normal(mean: 0, sd: 1).sample(n * s, using: RandomStream(seed: 7, stream: 1))
        let unit = try Normal(mean: 0, sd: 1), wide = try Normal(mean: 0, sd: 3)
        let good = try Matrix(rows: s, columns: n, values: (0..<(s * n)).map { unit.logDensity(y[$0 % n]) })
        let bad = try Matrix(rows: s, columns: n, values: (0..<(s * n)).map { wide.logDensity(y[$0 % n]) })
        let loo = try ModelChecking.loo(logLikelihood: good, replicated: Matrix(rows: s, columns: n, values: rep), observed: y)
        let pit = try #require(loo.pit)
        // Kolmogorov–Smirnov distance of the PIT values from U(0, 1): 1.63/sqrt(n) is the 1% critical value.
        let sorted = pit.sorted()
        let ks = sorted.enumerated().map { max(abs(Double($0 + 1) / Double(n) - $1), abs($1 - Double($0) / Double(n))) }.max()!
        #expect(ks < 1.63 / Double(n).squareRoot(), "KS \(ks)")
        let table = try ModelChecking.compare([("wide", try ModelChecking.loo(logLikelihood: bad)), ("true", loo)])
        #expect(table.map(\.name) == ["true", "wide"] && table[0].elpdDifference == 0 && table[1].elpdDifference > 2 * table[1].differenceSE)
    }
}

/// The BNN's pointwise log-likelihood sums to the posterior's likelihood term
/// for every likelihood, and PSIS-LOO runs on MCMC draws.
@Suite struct PointwiseLikelihoodTests {
    @Test(arguments: ["gaussian", "learned", "bernoulli", "categorical"])
    func sumsToThePosteriorsLikelihoodTerm(_ kind: String) throws {
        let stream = try RandomStream(seed: 5, stream: 0)
        let n = 12
        let x = try Matrix(rows: n, columns: 2, values: (0..<(2 * n)).map { _ in 2 * stream.uniform() - 1 })
        let bnn: BNN, y: Matrix
        switch kind {
        case "gaussian":
            bnn = try BNN(layers: [2, 4, 1], activation: .tanh, likelihood: .gaussian(sigma: 0.3))
            y = try Matrix(rows: n, columns: 1, values: (0..<n).map { _ in stream.uniform() })
        case "learned":
            bnn = try BNN(layers: [2, 4, 1], activation: .tanh, likelihood: .gaussianLearnedNoise())
            y = try Matrix(rows: n, columns: 1, values: (0..<n).map { _ in stream.uniform() })
        case "bernoulli":
            bnn = try BNN(layers: [2, 4, 1], activation: .tanh, likelihood: .bernoulli)
            y = try Matrix(rows: n, columns: 1, values: (0..<n).map { _ in stream.uniform() < 0.5 ? 0 : 1 })
        default:
            bnn = try BNN(layers: [2, 4, 3], activation: .tanh, likelihood: .categorical(classes: 3))
            y = try Matrix(rows: n, columns: 1, values: (0..<n).map { _ in Double(Int(3 * stream.uniform())) })
        }
        let posterior = try bnn.posterior(x: x, y: y)
        let draws = try Matrix(rows: 3, columns: bnn.dimension, values: (0..<(3 * bnn.dimension)).map { _ in stream.uniform() - 0.5 })
        let ll = try bnn.pointwiseLogLikelihood(weightDraws: draws, x: x, y: y)
        #expect(ll.rows == 3 && ll.columns == n)
        for s in 0..<3 {
            let total = ll.row(s).reduce(0, +)
            let term = try posterior.terms(draws.row(s)).logLikelihood
            #expect(abs(total - term) < 1e-10 * max(1, abs(term)), "\(kind) draw \(s): \(total) vs \(term)")
        }
    }

    @Test func looOnMCMCDrawsOfTheSineBNN() throws {
        let sine = try Datasets.sine()
        let bnn = try BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1))
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.01), chains: 2, warmup: 500, draws: 2000, thin: 2)
        let chains = try mcmc.run(bnn, x: sine.x, y: sine.y, seed: 1, threads: 1)
        let draws = try chains.evenlySpacedDraws(maximum: 1500)
        #expect(draws.rows == 1000)
        let ll = try bnn.pointwiseLogLikelihood(weightDraws: draws, x: Matrix(rows: 20, columns: 1, values: sine.x),
                                                y: Matrix(rows: 20, columns: 1, values: sine.y))
        let loo = try ModelChecking.loo(logLikelihood: ll)
        let waic = try ModelChecking.waic(logLikelihood: ll)
        #expect(loo.elpd.isFinite && loo.elpd <= loo.lppd && loo.effectiveParameters > 0 && loo.paretoK.count == 20)
        #expect(abs(loo.elpd - waic.elpd) < 3 * loo.se, "LOO \(loo.elpd) and WAIC \(waic.elpd) should be close")
    }
}
