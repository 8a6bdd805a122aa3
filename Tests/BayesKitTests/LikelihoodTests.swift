import BayesKit
import Foundation
import Testing

/// Central differences of `f` at `theta`, step h·max(1, |θᵢ|).
private func finiteDifferences(_ f: ([Double]) throws -> Double, _ theta: [Double], h: Double = 1e-5) rethrows -> [Double] {
    var t = theta
    return try theta.indices.map { i in
        let hi = h * max(1, abs(theta[i]))
        t[i] = theta[i] + hi
        let fp = try f(t)
        t[i] = theta[i] - hi
        let fm = try f(t)
        t[i] = theta[i]
        return (fp - fm) / (2 * hi)
    }
}

private func relativeGradientError(_ post: BNNPosterior, _ theta: [Double]) throws -> Double {
    let (_, g) = try post.logDensityAndGradient(theta)
    let fd = try finiteDifferences(post.logDensity, theta)
    let scale = max(fd.map(abs).max()!, 1)
    return zip(g, fd).map { abs($0 - $1) }.max()! / scale
}

/// Seed 000's 1-5-1 ReLU network in plain Swift, PyTorch's parameter order.
private func seedNetwork(_ w: [Double], _ x: Double) -> Double {
    var out = w[15]
    for i in 0..<5 { out += w[10 + i] * max(0, w[i] * x + w[5 + i]) }
    return out
}

@Suite struct LikelihoodAndPosterior {
    /// Seed 000: prior N(0, 1) on every weight, Gaussian noise 0.1, sine data.
    @Test func sineLogDensityMatchesADirectComputation() throws {
        let data = try Datasets.sine()
        let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        let post = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                    x: data.x, y: data.y)
        #expect(post.dimension == 16 && post.count == 20)
        let w = try RandomStream(seed: 7).normals(16, sd: 0.8)
        // the seed's log_likelihood (normalised) and log_prior plus its dropped constant
        var ll = 0.0
        for (x, y) in zip(data.x, data.y) { ll += -0.5 * pow((y - seedNetwork(w, x)) / 0.1, 2) }
        ll -= 20 * log(0.1 * sqrt(2 * Double.pi))
        let lp = w.reduce(0) { $0 - 0.5 * $1 * $1 } - 16 * 0.5 * log(2 * Double.pi)
        let value = try post.logDensity(w)
        #expect(abs(value - (ll + lp)) < 1e-10 * abs(ll + lp))
        let terms = try post.terms(w)
        #expect(abs(terms.logLikelihood - ll) < 1e-10 * abs(ll))
        #expect(abs(terms.logPrior - lp) < 1e-12 * abs(lp))
        // tempered: log prior + log lik / T
        let cold = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                    x: data.x, y: data.y, temperature: 0.25)
        #expect(abs(try cold.logDensity(w) - (lp + ll / 0.25)) < 1e-10 * abs(lp + ll / 0.25))
        #expect(try relativeGradientError(cold, w) < 1e-6)
        // a copy gives the same numbers
        #expect(try post.copy().logDensity(w) == value)
    }

    @Test func priorsMatchDirectComputations() throws {
        let arch = try NetworkArchitecture(layers: [3, 4, 2], activation: .tanh)   // P = 16 + 10
        let x = try Matrix(rows: 2, columns: 3, values: [0.1, 0.2, 0.3, -1, 0, 1])
        let y = try Matrix(rows: 2, columns: 2, values: [0, 1, 1, 0])
        let w = try RandomStream(seed: 3).normals(26)
        func logNormal(_ v: Double, _ s: Double) -> Double { -0.5 * v * v / (s * s) - log(s) - 0.5 * log(2 * Double.pi) }
        let cases: [(WeightPrior, (Int) -> Double)] = [
            (.normal(std: 2), { _ in 2 }),
            (.perLayer([0.5, 3]), { $0 < 16 ? 0.5 : 3 }),
            (.fanInScaled(std: 2), { $0 < 16 ? 2 / sqrt(3) : 1 }),
        ]
        for (prior, std) in cases {
            let post = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 1), prior: prior, x: x, y: y)
            let expected = w.indices.reduce(0) { $0 + logNormal(w[$1], std($1)) }
            #expect(abs(try post.terms(w).logPrior - expected) < 1e-12 * abs(expected), "\(prior)")
            #expect(try relativeGradientError(post, w) < 1e-6, "\(prior)")
        }
    }

    @Test func everyLikelihoodMatchesItsFormulaAndGradient() throws {
        let stream = try RandomStream(seed: 11)
        let x = try Matrix(rows: 15, columns: 2, values: stream.uniforms(30).map { 4 * $0 - 2 })
        // Bernoulli: log p = y f - log(1 + e^f)
        let binArch = try NetworkArchitecture(layers: [2, 6, 1], activation: .sin)
        let labels = try stream.uniforms(15).map { $0 < 0.5 ? 0.0 : 1.0 }
        let bern = try BNNPosterior(architecture: binArch, likelihood: .bernoulli, prior: .normal(std: 1),
                                    x: x, y: Matrix(rows: 15, columns: 1, values: labels))
        let wb = try stream.normals(binArch.parameterCount)
        let fb = try binArch.forward(weights: wb, inputs: x).values
        let llb = zip(fb, labels).reduce(0) { $0 + $1.1 * $1.0 - log1p(exp($1.0)) }
        #expect(abs(try bern.terms(wb).logLikelihood - llb) < 1e-12 * abs(llb))
        #expect(try relativeGradientError(bern, wb) < 1e-6)
        // categorical: log p = f_y - log sum exp f
        let catArch = try NetworkArchitecture(layers: [2, 6, 3], activation: .softplus)
        let classes = try stream.uniforms(15).map { floor(3 * $0) }
        let cat = try BNNPosterior(architecture: catArch, likelihood: .categorical(classes: 3), prior: .normal(std: 1),
                                   x: x, y: Matrix(rows: 15, columns: 1, values: classes))
        let wc = try stream.normals(catArch.parameterCount)
        let fc = try catArch.forward(weights: wc, inputs: x)
        var llc = 0.0
        for r in 0..<15 { llc += fc[r, Int(classes[r])] - log(fc.row(r).map(exp).reduce(0, +)) }
        #expect(abs(try cat.terms(wc).logLikelihood - llc) < 1e-12 * abs(llc))
        #expect(try relativeGradientError(cat, wc) < 1e-6)
        // learned noise: theta = weights + [log sigma], log sigma ~ N(-1, 0.5^2)
        let regArch = try NetworkArchitecture(layers: [2, 6, 2], activation: .tanh)
        let yr = try Matrix(rows: 15, columns: 2, values: stream.normals(30))
        let learned = try BNNPosterior(architecture: regArch, likelihood: .gaussianLearnedNoise(logSigmaMean: -1, logSigmaStd: 0.5),
                                       prior: .normal(std: 1), x: x, y: yr)
        #expect(learned.dimension == regArch.parameterCount + 1)
        #expect(learned.parameterNames.last == "log_sigma")
        let wl = try stream.normals(regArch.parameterCount) + [-0.4]
        let fl = try regArch.forward(weights: Array(wl.dropLast()), inputs: x).values
        let sigma = exp(-0.4)
        let lll = zip(fl, yr.values).reduce(0) { $0 - 0.5 * pow(($1.1 - $1.0) / sigma, 2) - log(sigma) - 0.5 * log(2 * Double.pi) }
        #expect(abs(try learned.terms(wl).logLikelihood - lll) < 1e-12 * abs(lll))
        let fixed = try BNNPosterior(architecture: regArch, likelihood: .gaussian(sigma: sigma), prior: .normal(std: 1), x: x, y: yr)
        let priorLogSigma = -0.5 * pow((-0.4 + 1) / 0.5, 2) - log(0.5) - 0.5 * log(2 * Double.pi)
        #expect(abs(try learned.logDensity(wl) - (try fixed.logDensity(Array(wl.dropLast())) + priorLogSigma)) < 1e-10)
        #expect(try relativeGradientError(learned, wl) < 1e-6)
        // predict accepts draws with the trailing log_sigma column
        let draws = try Matrix(rows: 1, columns: wl.count, values: wl)
        #expect(try regArch.predict(weightSamples: draws, inputs: x, threads: 1)[0].values == fl)
    }

    @Test func extremeWeightsGiveNonFiniteValuesNotErrors() throws {
        let data = try Datasets.sine()
        let post = try BNNPosterior(architecture: NetworkArchitecture(layers: [1, 5, 1]), likelihood: .gaussian(sigma: 0.1),
                                    prior: .normal(std: 1), x: data.x, y: data.y)
        var w = [Double](repeating: 1e300, count: 16)
        #expect(!(try post.logDensity(w)).isFinite)
        w[3] = .nan
        #expect(try post.logDensity(w).isNaN)
    }

    @Test func codableConfigurations() throws {
        let values: [Likelihood] = [.gaussian(sigma: 0.1), .gaussianLearnedNoise(), .bernoulli, .categorical(classes: 4)]
        for v in values { #expect(try JSONDecoder().decode(Likelihood.self, from: JSONEncoder().encode(v)) == v) }
        let priors: [WeightPrior] = [.normal(std: 1), .perLayer([1, 2]), .fanInScaled(std: 1.5)]
        for p in priors { #expect(try JSONDecoder().decode(WeightPrior.self, from: JSONEncoder().encode(p)) == p) }
    }

    @Test func priorSamplesHaveThePriorScale() throws {
        let arch = try NetworkArchitecture(layers: [100, 50, 1])
        let w = try WeightPrior.fanInScaled(std: 1).sample(architecture: arch, stream: RandomStream(seed: 2))
        let first = w[0..<5050]   // layer 0: std 1/sqrt(100) = 0.1
        let sd = sqrt(first.reduce(0) { $0 + $1 * $1 } / Double(first.count))
        #expect(abs(sd - 0.1) < 0.005)   // 5050 draws: relative se ~ 1 %
    }

    @Test func badInputGivesMessages() throws {
        let arch = try NetworkArchitecture(layers: [1, 5, 1])
        let x = [0.0, 1, 2], y = [0.0, 1, 0]
        func make(_ l: Likelihood = .gaussian(sigma: 0.1), _ p: WeightPrior = .normal(std: 1), x: [Double] = x, y: [Double] = y,
                  t: Double = 1) throws {
            _ = try BNNPosterior(architecture: arch, likelihood: l, prior: p, x: x, y: y, temperature: t)
        }
        #expect(throws: BayesKitError.invalidArgument("Gaussian noise std must be positive and finite, got 0")) {
            try make(.gaussian(sigma: 0))
        }
        #expect(throws: BayesKitError.invalidArgument("prior std of log sigma must be positive and finite, got -1")) {
            try make(.gaussianLearnedNoise(logSigmaMean: 0, logSigmaStd: -1))
        }
        #expect(throws: BayesKitError.invalidArgument("prior std must be positive and finite, got -1")) {
            try make(.gaussian(sigma: 1), .normal(std: -1))
        }
        #expect(throws: BayesKitError.invalidArgument("prior std of layer 1 must be positive and finite, got 0")) {
            try make(.gaussian(sigma: 1), .perLayer([1, 0]))
        }
        #expect(throws: BayesKitError.dimensionMismatch("per-layer prior has 3 stds for 2 layers")) {
            try make(.gaussian(sigma: 1), .perLayer([1, 1, 1]))
        }
        #expect(throws: BayesKitError.invalidArgument("temperature must be positive and finite, got -1")) {
            try make(t: -1)
        }
        #expect(throws: BayesKitError.nonFinite("y is not finite at row 1, column 0 (NaN or infinity in data)")) {
            try make(y: [0, .nan, 1])
        }
        #expect(throws: BayesKitError.dimensionMismatch("x has 3 rows but y has 2")) {
            try make(y: [0, 1])
        }
        #expect(throws: BayesKitError.invalidArgument("Bernoulli label at row 2 must be 0 or 1, got 2")) {
            try make(.bernoulli, y: [0, 1, 2])
        }
        #expect(throws: BayesKitError.dimensionMismatch("categorical likelihood with 3 classes needs 3 outputs, the network has 1")) {
            try make(.categorical(classes: 3))
        }
        let arch3 = try NetworkArchitecture(layers: [1, 4, 3])
        #expect(throws: BayesKitError.invalidArgument("class label at row 0 must be a whole number in 0...2, got 3")) {
            _ = try BNNPosterior(architecture: arch3, likelihood: .categorical(classes: 3), prior: .normal(std: 1),
                                 x: [1, 2], y: [3, 0])
        }
        #expect(throws: BayesKitError.invalidArgument("class label at row 1 must be a whole number in 0...2, got 0.5")) {
            _ = try BNNPosterior(architecture: arch3, likelihood: .categorical(classes: 3), prior: .normal(std: 1),
                                 x: [1, 2], y: [1, 0.5])
        }
        let post = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 1), prior: .normal(std: 1), x: x, y: y)
        #expect(throws: BayesKitError.dimensionMismatch("parameter vector has 17 values but the posterior has 16 parameters")) {
            try post.logDensity(Array(repeating: 0, count: 17))
        }
    }
}
