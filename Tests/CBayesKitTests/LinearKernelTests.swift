import CBayesKit
import Foundation
import Testing

/// Known answers for the linear-model C kernels: basis expansion, the
/// blockwise sufficient statistics against a naive sum (and across thread
/// counts), a hand-computed 2 × 2 posterior, evidence and its errors.
@Suite struct LinearKernelTests {
    func message(_ err: bk_error) -> String {
        var e = err
        return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    func close(_ a: Double, _ b: Double, rel: Double = 1e-12) -> Bool {
        a == b || abs(a - b) <= rel * max(abs(a), abs(b), 1)
    }

    @Test func polynomialAndGaussianBasesMatchTheSeedFormulas() {
        var err = bk_error()
        var poly = bk_basis()
        poly.kind = Int32(BK_BASIS_POLYNOMIAL.rawValue)
        poly.input_dim = 1
        poly.degree = 3
        poly.shift = 1
        poly.scale = 0.5
        #expect(bk_basis_size(&poly) == 4)
        var phi = [Double](repeating: 0, count: 8)
        #expect(bk_basis_expand(&poly, 2, [3.0, -1.0], &phi, &err) == 0)
        #expect(phi == [1, 1, 1, 1, 1, -1, 1, -1])  // u = (x - 1)/2: 1 and -1

        let centres = [0.0, 0.5]
        centres.withUnsafeBufferPointer { c in
            var rbf = bk_basis()
            rbf.kind = Int32(BK_BASIS_RBF.rawValue)
            rbf.input_dim = 1
            rbf.ncentres = 2
            rbf.centres = c.baseAddress
            rbf.width = 0.1
            rbf.intercept = 1
            var out = [Double](repeating: 0, count: 3)
            #expect(bk_basis_expand(&rbf, 1, [0.2], &out, &err) == 0)
            // seed 001: np.exp(-0.5 * (x - mu) ** 2 / sigma ** 2)
            #expect(out[0] == 1)
            #expect(close(out[1], exp(-0.5 * 0.04 / 0.01), rel: 1e-15))
            #expect(close(out[2], exp(-0.5 * 0.09 / 0.01), rel: 1e-15))
            rbf.width = 0
            #expect(bk_basis_expand(&rbf, 1, [0.2], &out, &err) == Int32(BK_EINVAL.rawValue))
            #expect(message(err) == "Gaussian basis width must be finite and > 0, got 0")
        }
    }

    /// n spans several chunks; 1 and 2 threads give the same bits, and both
    /// agree with a naive double loop.
    @Test func sufficientStatisticsAreBlockwiseExactAndThreadIndependent() {
        let n = 50_000, d = 3, m = d + 1
        var x = [Double](repeating: 0, count: n * d), y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<d { x[i * d + j] = sin(Double(i * (j + 1)) * 0.001) + Double(j) }
            y[i] = cos(Double(i) * 0.0007)
        }
        var basis = bk_basis()
        basis.kind = Int32(BK_BASIS_AFFINE.rawValue)
        basis.input_dim = d
        func stats(_ threads: Int32) -> ([Double], [Double], Double) {
            var g = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m), yy = 0.0
            var err = bk_error()
            let s = bk_linear_suffstats(&basis, n, x, y, &g, &b, &yy, threads, &err)
            #expect(s == 0, "\(message(err))")
            return (g, b, yy)
        }
        let one = stats(1), two = stats(2)
        #expect(one.0 == two.0 && one.1 == two.1 && one.2 == two.2)
        var g = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m), yy = 0.0
        for i in 0..<n {
            let phi = [1.0] + Array(x[(i * d)..<((i + 1) * d)])
            for r in 0..<m {
                for c in 0..<m { g[r * m + c] += phi[r] * phi[c] }
                b[r] += phi[r] * y[i]
            }
            yy += y[i] * y[i]
        }
        for k in 0..<(m * m) { #expect(close(one.0[k], g[k], rel: 1e-11)) }
        for k in 0..<m { #expect(close(one.1[k], b[k], rel: 1e-11)) }
        #expect(close(one.2, yy, rel: 1e-11))
        #expect(one.0[1] == one.0[m])  // symmetric
    }

    /// x = (0, 1), y = (1, 3), φ = (1, x), α = β = 1: A_N = [[3, 1], [1, 2]],
    /// m_N = (1, 1), ln p(y) = −1.5 − ½ ln 5 − ln 2π, γ = 2 − tr S_N = 1.
    @Test func handComputedPosteriorAndEvidence() {
        let g = [2.0, 1, 1, 1], b = [4.0, 3], m0 = [0.0, 0], a0 = [1.0, 1]
        var l = [Double](repeating: 0, count: 4), w = [0.0, 0]
        var err = bk_error()
        #expect(bk_linear_posterior(2, g, b, m0, a0, 1, &l, &w, &err) == 0)
        #expect(close(w[0], 1) && close(w[1], 1))
        #expect(close(l[0], 3.0.squareRoot()) && l[1] == 0)
        var lml = 0.0, rss = 0.0, gamma = 0.0
        #expect(bk_linear_evidence(2, 2, g, b, 10, m0, a0, 1, l, w, &lml, &rss, &gamma, &err) == 0)
        #expect(close(lml, -1.5 - 0.5 * log(5.0) - log(2 * Double.pi), rel: 1e-14))
        #expect(close(rss, 1) && close(gamma, 1))

        var flat = [0.0, 1.0]
        #expect(bk_linear_evidence(2, 2, g, b, 10, m0, &flat, 1, l, w, &lml, nil, nil, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "the evidence needs a proper prior: coefficient 0 has prior precision 0 (alpha = 0)")
        #expect(bk_linear_posterior(2, g, b, m0, a0, -2, &l, &w, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "beta (noise precision) must be finite and > 0, got -2")
        // rank-1 Gram matrix with a flat prior
        let singular = [1.0, 1, 1, 1], zero = [0.0, 0]
        let before = l
        #expect(bk_linear_posterior(2, singular, b, m0, zero, 1, &l, &w, &err) == Int32(BK_ESOLVER.rawValue))
        #expect(message(err).hasPrefix("posterior precision is singular"))
        #expect(l == before)
    }

    @Test func bootstrapDrawsDoNotDependOnTheThreadCount() {
        let n = 40, m = 2
        var phi = [Double](), y = [Double]()
        for i in 0..<n {
            let x = Double(i) / Double(n)
            phi += [1, x]
            y.append(1 + 2 * x + 0.3 * sin(Double(i * i)))
        }
        for kind in [BK_BOOTSTRAP_CASES, BK_BOOTSTRAP_RESIDUALS] {
            func run(_ t: Int32) -> [Double] {
                var est = [0.0, 0.0], draws = [Double](repeating: 0, count: 64 * m), err = bk_error()
                #expect(bk_linear_bootstrap(7, Int32(kind.rawValue), n, m, phi, y, nil, 64, &est, &draws, t, &err) == 0)
                return draws
            }
            let a = run(1), b = run(2)
            #expect(a == b)
            #expect(Set(a).count > 64)  // resamples differ
        }
    }
}
