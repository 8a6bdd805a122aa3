import BayesKit
import Foundation
import Testing

/// The evidence against a direct multivariate-normal density, seed 001's
/// evidence sweep, MacKay's evidence maximisation and the Normal–Inverse-Gamma
/// model with unknown noise.
@Suite struct LinearEvidenceTests {
    static func close(_ a: Double, _ b: Double, rel: Double) -> Bool {
        a == b || abs(a - b) <= rel * max(abs(a), abs(b))
    }

    /// ln p(y) in closed form equals log N(y | Φm₀, ΦA₀⁻¹Φᵀ + β⁻¹I), with a
    /// non-zero prior mean and per-coefficient precisions.
    @Test func evidenceEqualsTheMarginalDensityOfY() throws {
        let data = try Datasets.sinusoid()
        let a0 = [0.5, 2, 4, 8], m0 = [0.3, -0.2, 0.1, 0.05], beta = 20.0
        let post = try BayesianLinearRegression(basis: .polynomial(degree: 3), priorPrecision: .perCoefficient(a0),
                                                beta: beta, priorMean: m0).fit(data.x, data.y)
        let phi = try post.featureMap.design(data.x)
        let n = data.x.count
        var cov = try Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0..<n {
                var c = i == j ? 1 / beta : 0
                for k in 0..<4 { c += phi[i, k] * phi[j, k] / a0[k] }
                cov[i, j] = c
            }
        }
        let direct = try MultivariateNormal(mean: try phi.matvec(m0), covariance: cov).logDensity(data.y)
        let got = try post.logEvidence()
        #expect(Self.close(got, direct, rel: 1e-10), "\(got) vs \(direct)")
    }

    /// Seed 001's sweep: polynomial degrees 0…9, α = 0.005, β = 1/0.3², on 10
    /// points of `sinusoid-evidence`. Expected values from the notebook's
    /// `log_marginal_likelihood` run in NumPy 2 (np.linalg.inv/det), which
    /// returns 0.5·score.
    @Test func seed001EvidenceSweepMatchesNumPy() throws {
        let data = try Datasets.sinusoidEvidence()
        let expected = [-28.492791670868716, -20.45608370478818, -22.46180545050096, -17.635096141336664,
                        -17.438116631158874, -18.06096216606054, -18.681996580895756, -19.146334225396735,
                        -19.501663770919258, -19.804916879542844]
        let sweep = try ModelSelection.polynomialDegrees(Array(0...9), alpha: 0.005, beta: 1 / (0.3 * 0.3),
                                                         x: data.x, y: data.y)
        #expect(sweep.entries.count == 10)
        for (d, e) in sweep.entries.enumerated() {
            #expect(Self.close(e.logEvidence, expected[d], rel: 1e-8), "degree \(d): \(e.logEvidence) vs \(expected[d])")
            #expect(e.name == "degree \(d)" && e.parameterCount == d + 1)
            #expect(e.effectiveParameters > 0 && e.effectiveParameters <= Double(d + 1))
        }
        #expect(sweep.bestIndex == 4 && sweep.best.name == "degree 4")
        #expect(sweep.posteriors[4].coefficientCount == 5)
    }

    /// The fixed point satisfies α = γ/|m_N|², β = (n − γ)/|y − Φm_N|², and
    /// the evidence there is larger than at nearby (α, β).
    @Test func evidenceMaximisationReachesAStationaryPoint() throws {
        let data = try Datasets.sinusoid()
        let model = BayesianLinearRegression(basis: .gaussian(centres: (0..<9).map { Double($0) / 8 }, width: 0.1),
                                             alpha: 1, beta: 1)
        let r = try model.maximizingEvidence(data.x, data.y)
        let post = r.posterior
        let ev = try post.evidence()
        #expect(Self.close(ev.effectiveParameters, r.effectiveParameters, rel: 1e-10))
        let m2 = post.mean.reduce(0) { $0 + $1 * $1 }
        #expect(Self.close(r.alpha, r.effectiveParameters / m2, rel: 1e-8))
        #expect(Self.close(r.beta, (20 - r.effectiveParameters) / ev.residualSumOfSquares, rel: 1e-8))
        #expect(r.effectiveParameters > 1 && r.effectiveParameters < 10)
        // noise sd of the data is 0.2: β ≈ 25 within a factor of 3 on 20 points
        #expect(r.beta > 25.0 / 3 && r.beta < 75)
        for (fa, fb) in [(1.05, 1.0), (1 / 1.05, 1.0), (1.0, 1.05), (1.0, 1 / 1.05)] {
            let nearby = try BayesianLinearRegression(basis: model.basis, alpha: r.alpha * fa, beta: r.beta * fb)
                .fit(data.x, data.y).logEvidence()
            #expect(nearby < r.logEvidence)
        }
        #expect(Self.close(r.logEvidence, ev.logEvidence, rel: 1e-14))
    }

    @Test func evidenceMaximisationFailures() throws {
        // exact straight line: residuals vanish and β diverges
        let x = [0.0, 1, 2, 3, 4], y = x.map { 1 + 2 * $0 }
        #expect {
            try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1).maximizingEvidence(x, y)
        } throws: { e in
            let e = e as! BayesKitError
            return e.code == .solverFailure && e.message.hasPrefix("evidence maximisation diverged at iteration ")
                && e.message.hasSuffix("the data do not determine the hyperparameters")
        }
        let data = try Datasets.sinusoid()
        #expect(throws: BayesKitError(.solverFailure,
                                      "evidence maximisation did not converge in 2 iterations (alpha 1.36015, beta 3.24728); "
                                          + "raise the iteration cap or the tolerance")) {
            try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1).maximizingEvidence(data.x, data.y, maxIterations: 2)
        }
        #expect(throws: BayesKitError(.invalidArgument, "evidence maximisation needs an isotropic prior precision alpha")) {
            try BayesianLinearRegression(basis: .affine, priorPrecision: .perCoefficient([1, 1]), beta: 1)
                .maximizingEvidence(data.x, data.y)
        }
        #expect(throws: BayesKitError(.invalidArgument, "initial alpha (prior precision) must be finite and > 0, got 0")) {
            try BayesianLinearRegression(basis: .affine, alpha: 0, beta: 1).maximizingEvidence(data.x, data.y)
        }
    }

    /// NIG: posterior mean equals the Gaussian model's with α = precision·β;
    /// the evidence equals the multivariate-t density of y; the Student-t
    /// predictive approaches the Gaussian one when the noise prior is sharp.
    @Test func normalInverseGammaPosterior() throws {
        let data = try Datasets.line()
        let a0 = 3.0, b0 = 0.12, prec = [0.5, 2.0]
        let nig = try NormalInverseGammaRegression(basis: .affine, priorPrecision: .perCoefficient(prec), shape: a0, scale: b0)
            .fit(data.x, data.y)
        let gauss = try BayesianLinearRegression(basis: .affine, priorPrecision: .perCoefficient(prec.map { $0 * 7 }),
                                                 beta: 7).fit(data.x, data.y)
        for j in 0..<2 { #expect(Self.close(nig.mean[j], gauss.mean[j], rel: 1e-12)) }
        #expect(nig.shape == a0 + 10)
        // y ~ t_{2a0}(0, (b0/a0)(I + Φ V0 Φᵀ))
        let phi = try nig.featureMap.design(data.x)
        let n = data.x.count
        var sigma = try Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0..<n {
                let k: Double = phi[i, 0] * phi[j, 0] / prec[0] + phi[i, 1] * phi[j, 1] / prec[1]
                sigma[i, j] = (b0 / a0) * ((i == j ? 1.0 : 0.0) + k)
            }
        }
        let nu = 2 * a0, dn = Double(n)
        let quad = zip(data.y, try sigma.solveSPD(try Matrix(rows: n, columns: 1, values: data.y)).values).reduce(0) { $0 + $1.0 * $1.1 }
        let logdet = try sigma.logDeterminantSPD()
        let gammas: Double = lgamma((nu + dn) / 2) - lgamma(nu / 2)
        let direct: Double = gammas - dn / 2 * log(nu * Double.pi) - 0.5 * logdet - (nu + dn) / 2 * log(1 + quad / nu)
        let got = try nig.logEvidence()
        #expect(Self.close(got, direct, rel: 1e-10), "\(got) vs \(direct)")
        let marg = try nig.marginals()
        #expect(marg[0].nu == nu + dn && Self.close(marg[0].loc, nig.mean[0], rel: 1e-15))
        let noise = try nig.noiseVariance()
        #expect(Self.close(noise.mean, nig.scale / (nig.shape - 1), rel: 1e-12))

        // a sharp noise prior (σ² ≈ 1/25 with a0 = 1e6) makes the predictive Gaussian
        let sharp = try NormalInverseGammaRegression(basis: .affine, priorPrecision: .isotropic(2.0 / 25), shape: 1e6,
                                                     scale: 1e6 / 25).fit(data.x, data.y)
        let g = try BayesianLinearRegression(basis: .affine, alpha: 2, beta: 25).fit(data.x, data.y)
        let pt = try sharp.predict([-1, 0.5, 2]), pg = try g.predict([-1, 0.5, 2])
        for i in 0..<3 {
            #expect(Self.close(pt.mean[i], pg.mean[i], rel: 1e-12))
            #expect(Self.close(pt.standardDeviation[i], pg.standardDeviation[i], rel: 1e-4))
        }
        #expect(throws: BayesKitError(.invalidArgument, "inverse-gamma shape a0 must be finite and > 0, got 0")) {
            try NormalInverseGammaRegression(shape: 0).fit(data.x, data.y)
        }
    }
}
