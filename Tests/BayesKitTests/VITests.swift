import BayesKit
import Foundation
import Testing

/// Mean-field VI through the Swift API: seed 000's run, predictive,
/// persistence, annealing, minibatches and the errors a user gets.
@Suite struct VariationalInference {
    static let sine = try! Datasets.sine()
    static let net151 = try! NetworkArchitecture(layers: [1, 5, 1], activation: .relu)

    /// Seed 000's settings with 3000 epochs: the smoothed final ELBO lands
    /// near the notebook's -27.71 (log-likelihood 18.08, KL 45.78); our
    /// random numbers differ, and with 5 draws per step the per-epoch ELBO
    /// is noisy, so compare the mean of the last 200 epochs with a few nats' margin.
    @Test func seed000RunLandsNearTheNotebook() throws {
        let post = try MeanFieldVI().fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                         x: Self.sine.x, y: Self.sine.y, seed: 0, threads: 1)
        let h = post.history
        #expect(h.epochs == 3000)
        let elbo = VIHistory.trailingMean(h.elbo, window: 200)
        let ell = VIHistory.trailingMean(h.expectedLogLikelihood, window: 200)
        let kl = VIHistory.trailingMean(h.kl, window: 200)
        print(String(format: "seed 000 VI, seed 0: smoothed final ELBO %.2f, E log-lik %.2f, KL %.2f (notebook -27.71, 18.08, 45.78)",
                     elbo, ell, kl))
        #expect((-40.0 ... -18.0).contains(elbo))
        #expect((35.0...55.0).contains(kl))
        #expect(abs(h.elbo[100] - (h.expectedLogLikelihood[100] - h.kl[100])) < 1e-9)
        // Training improved the ELBO by a lot and shrank no sigma to nothing.
        #expect(h.elbo[0] < elbo - 100)
        #expect(post.standardDeviations.allSatisfy { $0 > 1e-4 && $0 < 2 })
    }

    @Test func predictiveSummariesAndDeterminism() throws {
        let post = try MeanFieldVI(epochs: 300).fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1),
                                                      x: Self.sine.x, y: Self.sine.y, seed: 3, threads: 1)
        let grid = linspace(-3, 3, 41)
        let a = try post.predict(grid, samples: 400, stream: try RandomStream(seed: 9, stream: 1), keepFunctionSamples: true, threads: 1)
        let b = try post.predict(grid, samples: 400, stream: try RandomStream(seed: 9, stream: 1), keepFunctionSamples: true, threads: 2)
        #expect(a == b)
        #expect(a.mean.rows == 41 && a.mean.columns == 1)
        #expect(a.functionSamples?.count == 400)
        #expect(a.aleatoricSD?.values.allSatisfy { abs($0 - 0.1) < 1e-15 } == true)
        #expect(a.epistemicSD.values.allSatisfy { $0 > 0 })
        #expect(zip(a.totalSD.values, a.epistemicSD.values).allSatisfy { $0 > $1 })
        // The quantile bands are ordered and bracket the mean.
        let q = try #require(a.observationQuantiles)
        for i in 0..<41 {
            #expect(q[0].values[i] < q[1].values[i] && q[1].values[i] < q[2].values[i])
            #expect(a.functionQuantiles[0].values[i] < a.mean.values[i] && a.mean.values[i] < a.functionQuantiles[2].values[i])
        }
        // The mean-weights prediction is the network at mu.
        let atMu = try Self.net151.forward(weights: post.mean, inputs: Matrix(rows: 41, columns: 1, values: grid))
        #expect(a.meanWeights == atMu)
        // Weight draws: mean and sd per parameter match mu and sigma within MC error.
        let w = try post.sampleWeights(count: 4000, stream: try RandomStream(seed: 2))
        let sigma = post.standardDeviations
        for j in 0..<post.dimension {
            let col = w.column(j)
            let m = col.reduce(0, +) / 4000
            #expect(abs(m - post.mean[j]) < 5 * sigma[j] / 4000.0.squareRoot())
        }
        // Same seed, same fit; another seed, another fit.
        let again = try MeanFieldVI(epochs: 300).fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1),
                                                       x: Self.sine.x, y: Self.sine.y, seed: 3, threads: 2)
        #expect(again.history.elbo == post.history.elbo && again.mean == post.mean)
        let other = try MeanFieldVI(epochs: 300).fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1),
                                                       x: Self.sine.x, y: Self.sine.y, seed: 4, threads: 1)
        #expect(other.mean != post.mean)
    }

    @Test func saveAndLoadAreBitExact() throws {
        let post = try MeanFieldVI(epochs: 50, batchSize: 8, klSchedule: .cyclical(period: 10), klEstimator: .monteCarlo,
                                   scale: .softplus(initial: -3), meanInitStd: 0.1, biasInitStd: 0)
            .fit(architecture: Self.net151, likelihood: .gaussianLearnedNoise(logSigmaMean: -2, logSigmaStd: 1),
                 prior: .fanInScaled(std: 1.5), x: Self.sine.x, y: Self.sine.y,
                 inputScaling: try InputScaling.unitInterval(fitting: Matrix(rows: 20, columns: 1, values: Self.sine.x)),
                 seed: 11, threads: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bk-vi-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try post.save(to: url)
        let loaded = try VariationalPosterior.load(from: url)
        #expect(loaded == post)
        #expect(try ModelArchive.kind(of: url) == "VariationalPosterior")
        #expect(post.dimension == 17)
        // Biases start at exactly 0 (seed 001's initialisation).
        #expect(post.initialMean[5..<10].allSatisfy { $0 == 0 } && post.initialMean[15] == 0)
        let p1 = try post.predict([0.5, 1], samples: 50, stream: try RandomStream(seed: 1))
        let p2 = try loaded.predict([0.5, 1], samples: 50, stream: try RandomStream(seed: 1))
        #expect(p1 == p2)
        #expect(throws: BayesKitError.format("\(url.path) holds a 'VariationalPosterior', not a 'LinearPosterior'")) {
            _ = try LinearPosterior.load(from: url)
        }
    }

    /// Minibatches: N/B steps per epoch (history per epoch), the KL weight of the schedule.
    @Test func minibatchesAndAnnealing() throws {
        let post = try MeanFieldVI(samples: 2, epochs: 30, batchSize: 6, klSchedule: .linearWarmup(epochs: 10, start: 0.5))
            .fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1), x: Self.sine.x, y: Self.sine.y, seed: 1, threads: 1)
        let h = post.history
        #expect(h.epochs == 30 && h.seconds.count == 30)
        #expect(h.klWeight[0] == 0.5 && h.klWeight[5] == 0.75 && h.klWeight[10] == 1 && h.klWeight[29] == 1)
        #expect(zip(h.seconds.dropFirst(), h.seconds).allSatisfy { $0 >= $1 })
        #expect(KLSchedule.cyclical(period: 4, ramp: 0.5).weight(epoch: 5) == 0.5)
        #expect(KLSchedule.constant.weight(epoch: 7) == 1)
    }

    @Test func progressCountsEpochs() throws {
        let counter = try ProgressCounter(tasks: ["vi"])
        _ = try MeanFieldVI(epochs: 40).fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1), x: Self.sine.x,
                                            y: Self.sine.y, seed: 0, threads: 1, progress: counter)
        #expect(counter.done(task: 0) == 40 && counter.total(task: 0) == 40)
    }

    @Test func badInputGetsAMessage() throws {
        let x = Self.sine.x, y = Self.sine.y, a = Self.net151
        let lik = Likelihood.gaussian(sigma: 0.1)
        #expect(throws: BayesKitError.invalidArgument("prior std must be positive and finite, got -1")) {
            _ = try MeanFieldVI(epochs: 5).fit(architecture: a, likelihood: lik, prior: .normal(std: -1), x: x, y: y)
        }
        #expect(throws: BayesKitError.invalidArgument("prior std must be positive and finite, got 0")) {
            _ = try MeanFieldVI(epochs: 5).fit(architecture: a, likelihood: lik, prior: .normal(std: 0), x: x, y: y)
        }
        #expect(throws: BayesKitError.invalidArgument("number of Monte Carlo samples must be >= 1, got 0")) {
            _ = try MeanFieldVI(samples: 0).fit(architecture: a, likelihood: lik, x: x, y: y)
        }
        #expect(throws: BayesKitError.invalidArgument("batch size 21 exceeds the 20 data rows")) {
            _ = try MeanFieldVI(batchSize: 21).fit(architecture: a, likelihood: lik, x: x, y: y)
        }
        #expect(throws: BayesKitError.dimensionMismatch("x has 20 rows but y has 19")) {
            _ = try MeanFieldVI(epochs: 5).fit(architecture: a, likelihood: lik, x: x, y: Array(y.prefix(19)))
        }
        #expect(throws: BayesKitError.dimensionMismatch("x has 1 columns but the network has 2 inputs")) {
            _ = try MeanFieldVI(epochs: 5).fit(architecture: try NetworkArchitecture(layers: [2, 3, 1]), likelihood: lik,
                                               x: Matrix(rows: 20, columns: 1, values: x), y: Matrix(rows: 20, columns: 1, values: y))
        }
        #expect(throws: BayesKitError.nonFinite("y is not finite at row 3, column 0 (NaN or infinity in data)")) {
            var bad = y
            bad[3] = .nan
            _ = try MeanFieldVI(epochs: 5).fit(architecture: a, likelihood: lik, x: x, y: bad)
        }
        // A diverging learning rate names the epoch; without throwing, the last finite parameters come back.
        do {
            _ = try MeanFieldVI(epochs: 100, learningRate: 1e3).fit(architecture: a, likelihood: lik, x: x, y: y, threads: 1)
            Issue.record("a learning rate of 1000 should diverge")
        } catch let e as BayesKitError {
            #expect(e.code == .nonFinite)
            #expect(e.message.hasPrefix("VI diverged at epoch "), "\(e.message)")
        }
        let kept = try MeanFieldVI(epochs: 100, learningRate: 1e3).fit(architecture: a, likelihood: lik, x: x, y: y, threads: 1,
                                                                      throwOnDivergence: false)
        let message = try #require(kept.divergence)
        #expect(message.hasPrefix("VI diverged at epoch \(kept.history.epochs + 1) of 100"))
        #expect(kept.mean.allSatisfy { $0.isFinite } && kept.scaleParameters.allSatisfy { $0.isFinite })
        #expect(kept.history.elbo.allSatisfy { $0.isFinite })
    }

    /// Informal timing of seed 000's VI (3000 epochs, 5 draws) for the issue's
    /// goal (<= 28 ms, 200x the seed's PyTorch); prints, never asserts. Run
    /// with BAYESKIT_TIMING=1 in a release build.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BAYESKIT_TIMING"] != nil))
    func seed000Timing() throws {
        var best = Double.infinity
        var elbo = 0.0
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let post = try MeanFieldVI().fit(architecture: Self.net151, likelihood: .gaussian(sigma: 0.1), x: Self.sine.x,
                                             y: Self.sine.y, seed: 0, threads: 1)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            elbo = post.history.smoothedFinalELBO() ?? .nan
        }
        print(String(format: "seed 000 VI, 3000 epochs x 5 draws: best of 5 = %.2f ms (PyTorch seed ~5.6 s: %.0fx); smoothed ELBO %.2f",
                     best * 1e3, 5.6 / best, elbo))
    }
}

extension VariationalInference {
    @Test func viSineStudyHasItsFiguresAndNumbers() throws {
        let s = try VIStudies.sine(seed: 0, threads: 1, epochs: 300)
        #expect(s.name == "vi-sine")
        #expect(s.figures.map(\.file) == ["vi-sine-elbo.svg", "vi-sine.svg"])
        for key in ["smoothed_elbo", "smoothed_exp_loglik", "smoothed_kl", "notebook_final_elbo", "final_elbo"] {
            #expect(s.summary[key] != nil, "\(key)")
        }
        for f in s.figures { #expect(try f.figure.svgString().contains("<svg")) }
    }
}

/// README.md's "Variational inference" snippet, kept compiling and true.
@Test func readmeVariationalInferenceSnippetRuns() throws {
    let sine = try Datasets.sine()
    let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
    let q = try MeanFieldVI(samples: 5, epochs: 3000, learningRate: 0.01, batchSize: nil, klSchedule: .constant,
                            klEstimator: .closedForm, scale: .logSigma(initial: -3), meanInitStd: 0.1)
        .fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1), x: sine.x, y: sine.y, seed: 0)
    let smoothed = try #require(q.history.smoothedFinalELBO())
    #expect(abs(smoothed - -33) < 3)
    let pred = try q.predict(sine.truthX, samples: 1000, stream: try RandomStream(seed: 0, stream: 1))
    #expect(pred.mean.rows == sine.truthX.count && pred.observationQuantiles?.count == 3)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bk-readme-vi-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: url) }
    try q.save(to: url)
    #expect(try VariationalPosterior.load(from: url) == q)
}

/// Early stopping on held-out rows (issue 8).
@Suite struct VIEarlyStoppingTests {
    /// A wide network with a too-small noise sigma on pure-noise data overfits: the held-out
    /// log-likelihood peaks early, training stops `patience` epochs later, and the returned
    /// means are the best epoch's (their held-out log-likelihood is the history's maximum).
    @Test func stopsAtTheBestHeldOutEpoch() throws {
        let rng = try RandomStream(seed: 5, stream: 0)
        let n = 40
        let x = try Matrix(rows: n, columns: 1, values: (0..<n).map { _ in 4 * rng.uniform() - 2 })
        let y = try Matrix(rows: n, columns: 1, values: (0..<n).map { _ in rng.normal() })
        let arch = try NetworkArchitecture(layers: [1, 50, 50, 1], activation: .tanh)
        let method = MeanFieldVI(samples: 2, epochs: 3000, learningRate: 0.01,
                                 earlyStopping: EarlyStopping(validationFraction: 0.25, patience: 50))
        let q = try method.fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), x: x, y: y, seed: 1)
        let h = q.history
        let val = try #require(h.validationLogLikelihood), best = try #require(h.bestEpoch)
        #expect(h.epochs < 3000, "ran all \(h.epochs) epochs")
        #expect(h.epochs == best + 50)
        #expect(val.count == h.epochs)
        #expect(val[best - 1] == val.max())
        // The held-out rows at the returned means give the best epoch's value.
        let held = try method.validationRows(count: n, seed: 1) ?? []
        #expect(held.count == 10)
        let xv = try Matrix(rows: held.count, columns: 1, values: held.map { x[$0, 0] })
        let f = try q.predictMeanWeights(xv)
        let ll = zip(held, f.column(0)).map { i, m in
            let r = (y[i, 0] - m) / 0.1
            return -0.5 * r * r - Foundation.log(0.1) - 0.5 * Foundation.log(2 * Double.pi)
        }.reduce(0, +) / Double(held.count)
        #expect(abs(ll - val[best - 1]) < 1e-9 * max(1, abs(ll)), "\(ll) vs \(val[best - 1])")
        // Same seed, same run.
        #expect(try method.fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), x: x, y: y, seed: 1).mean == q.mean)
    }

    @Test func badSettingsAreNamed() throws {
        let arch = try NetworkArchitecture(layers: [1, 3, 1])
        let x = try Matrix(rows: 4, columns: 1, values: [0, 1, 2, 3]), y = x
        #expect(throws: BayesKitError.invalidArgument("validation fraction must be in (0, 1), got 1.0")) {
            try MeanFieldVI(earlyStopping: EarlyStopping(validationFraction: 1)).fit(architecture: arch, likelihood: .gaussian(sigma: 1), x: x, y: y)
        }
        #expect(throws: BayesKitError.invalidArgument("patience must be >= 1 epoch, got 0")) {
            try MeanFieldVI(earlyStopping: EarlyStopping(patience: 0)).fit(architecture: arch, likelihood: .gaussian(sigma: 1), x: x, y: y)
        }
        #expect(throws: BayesKitError.invalidArgument("batch size 4 exceeds the 3 training rows left after holding out 1")) {
            try MeanFieldVI(batchSize: 4, earlyStopping: EarlyStopping(validationFraction: 0.25))
                .fit(architecture: arch, likelihood: .gaussian(sigma: 1), x: x, y: y)
        }
    }
}
