import BayesKit
import Foundation
import Testing

@Suite struct SeedDatasets {
    /// Seed 000: `np.random.seed(42)`, uniform(-3, 3, 20), randn(20), sorted.
    /// Values printed by NumPy 2.4 for the notebook's own code.
    @Test func sineIsTheNotebooksData() throws {
        let d = try Datasets.sine()
        #expect(d.count == 20)
        #expect(d.x[0] == -2.8764930342251853)
        #expect(d.x[1] == -2.6514983269908035)
        #expect(d.x[19] == 2.819459112971966)
        #expect(abs(d.y[0] - -0.37710476649372526) < 1e-15)
        #expect(abs(d.y[19] - 0.3541608772820462) < 1e-15)
        #expect(d.truthX.count == 200 && d.truthX.first == -3 && d.truthX.last == 3)
        #expect(zip(d.x, d.x.dropFirst()).allSatisfy { $0 <= $1 })
    }

    /// Seed 000 printed the Bayesian linear regression posterior mean
    /// [-0.07553835, 0.33272507] and sd [0.0225762, 0.01242588] for alpha 1,
    /// beta 100 and the affine basis: S = (αI + βΦᵀΦ)⁻¹, m = βSΦᵀy.
    @Test func sineReproducesTheNotebooksLinearPosterior() throws {
        let d = try Datasets.sine()
        let phi = try Matrix(rows: d.count, columns: 2, values: d.x.flatMap { [1, $0] })
        let precision = try (try Matrix.identity(2)) + 100 * (try phi.transposed * phi)
        let cov = try precision.inverseSPD()
        let m = try cov.matvec(try phi.transposed.matvec(d.y)).map { 100 * $0 }
        #expect(abs(m[0] - -0.07553835) < 5e-9)
        #expect(abs(m[1] - 0.33272507) < 5e-9)
        #expect(abs(cov[0, 0].squareRoot() - 0.0225762) < 5e-8)
        #expect(abs(cov[1, 1].squareRoot() - 0.01242588) < 5e-9)
    }

    /// Seed 001's line study after its distribution primer (`np.random.seed(0)`).
    @Test func lineIsTheNotebooksData() throws {
        let d = try Datasets.line()
        #expect(d.x[0] == 0.3926473701610109)
        #expect(d.x[1] == -0.2673512583384907)
        #expect(d.x[2] == 0.05834853942531315)
        #expect(abs(d.y[0] - 0.28967647946745345) < 1e-15)
        #expect(abs(d.y[19] - -0.23323461186358965) < 1e-15)
    }

    @Test func sinusoidIsTheNotebooksData() throws {
        let d = try Datasets.sinusoid()
        #expect(d.x[0] == 0.026389331713351116)
        #expect(d.x[1] == 0.952109791397402)
        #expect(abs(d.y[0] - 0.956211940417331) < 1e-14)
        #expect(abs(d.y[19] - 0.2520007933894578) < 1e-14)
    }

    @Test func sinusoidEvidenceIsTheNotebooksData() throws {
        let d = try Datasets.sinusoidEvidence()
        #expect(d.x == linspace(0, 1, 10))
        #expect(abs(d.y[0] - 0.9873036090989724) < 1e-14)
        #expect(abs(d.y[1] - 0.9592606855915167) < 1e-14)
        #expect(abs(d.y[9] - 0.42518888735677673) < 1e-14)
    }

    /// The closed form solves x'' + 2ζω x' + ω² x = 0 with x(0) = 1, x'(0) = 0
    /// (central differences, error O(h²)).
    @Test func oscillatorTruthSolvesTheODE() {
        let (zeta, omega, h) = (0.08, 1.1, 1e-4)
        func x(_ t: Double) -> Double { Datasets.dampedOscillator(t: t, zeta: zeta, omega: omega) }
        #expect(x(0) == 1)
        #expect(abs((x(h) - x(-h)) / (2 * h)) < 1e-7)
        for t in stride(from: 0.5, through: 8, by: 0.5) {
            let v = (x(t + h) - x(t - h)) / (2 * h)
            let a = (x(t + h) - 2 * x(t) + x(t - h)) / (h * h)
            #expect(abs(a + 2 * zeta * omega * v + omega * omega * x(t)) < 1e-5)
        }
    }

    /// The oscillator's noise is N(0, 0.05²): with 60 residuals their mean is
    /// within 4 standard errors of 0 and (n-1)s²/σ² within the chi-square(59)
    /// 0.0001/0.9999 quantiles (30.7, 101.6).
    @Test func oscillatorNoiseHasTheStatedScale() throws {
        let d = try Datasets.oscillator()
        #expect(d.count == 60 && d.x.first == 0 && d.x.last == 6)
        #expect(d.truthX.last == 8 && d.truthX.count == 400)
        let r = zip(d.x, d.y).map { $1 - Datasets.dampedOscillator(t: $0, zeta: 0.08, omega: 1.1) }
        let mean = r.reduce(0, +) / 60
        #expect(abs(mean) < 4 * 0.05 / 60.0.squareRoot())
        let ss = r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (0.05 * 0.05)
        #expect(ss > 30.7 && ss < 101.6)
        #expect(try Datasets.oscillator() == d)
        #expect(try Datasets.oscillator(seed: 7).y != d.y)
    }

    @Test func optionsChangeSizeAndNoise() throws {
        let d = try Datasets.named("sine", size: 50, noiseStd: 0)
        #expect(d.count == 50)
        #expect(zip(d.x, d.y).allSatisfy { sin($0) == $1 })
        #expect(try Datasets.named("line", size: 5).count == 5)
    }

    @Test func badOptionsAreRejected() {
        #expect(throws: BayesKitError.invalidArgument(
            "unknown dataset 'cosine'; known datasets: sine, oscillator, line, sinusoid, sinusoid-evidence")) {
            try Datasets.named("cosine")
        }
        #expect(throws: BayesKitError.invalidArgument("dataset size must be >= 1, got 0")) {
            try Datasets.named("sine", size: 0)
        }
        #expect(throws: BayesKitError.invalidArgument("noise standard deviation must be finite and >= 0, got -0.1")) {
            try Datasets.named("oscillator", noiseStd: -0.1)
        }
        #expect(throws: BayesKitError.invalidArgument(
            "this dataset replays NumPy's legacy generator, whose seed must be in [0, 4294967295], got 4294967296")) {
            try Datasets.named("line", seed: 4_294_967_296)
        }
    }

    @Test func linspaceMatchesNumPy() {
        #expect(linspace(0, 1, 5) == [0, 0.25, 0.5, 0.75, 1])
        #expect(linspace(2, 3, 1) == [2])
        #expect(linspace(0, 1, 0) == [])
    }
}
