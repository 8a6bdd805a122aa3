import Foundation

/// Amortized inference (seeds 003 and 004): variational autoencoders on the
/// 8×8 digits and on two moons.
enum VAEStudies {
    /// VAEs with 2 and 16 latent dimensions on the digits (every 5th image
    /// held out): ELBO curves, the 2-D latent space coloured by class,
    /// reconstructions, samples from the prior, latent interpolations and the
    /// decoded latent grid; test ELBO and IWAE bound (k = 100) per image.
    static func digits(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 150) throws -> StudyResult {
        let data = try Digits.split(testEvery: 5)
        let train = data.train.images, test = data.test.images
        var summary: [String: JSONValue] = ["epochs": .number(Double(epochs)), "seed": .number(Double(seed)),
                                            "train_images": .number(Double(train.rows)),
                                            "test_images": .number(Double(test.rows))]
        var rows = [[String]]()
        var fitted2: FittedVAE?
        for latent in [2, 16] {
            let model = VAE(latent: latent, hidden: [256], activation: .relu, decoder: .bernoulli, epochs: epochs,
                            batchSize: 128, learningRate: 1e-3)
            let fit = try model.fit(train, seed: seed)
            let elbo = try fit.meanBound(test, samples: 1, seed: seed, threads: threads)
            let iwae = try fit.meanBound(test, samples: 100, seed: seed, threads: threads)
            let seconds = fit.history.seconds.last ?? 0
            summary["latent_\(latent)"] = .object([
                "test_elbo": .number(elbo), "test_iwae_100": .number(iwae),
                "train_elbo_last_epoch": .number(fit.history.elbo.last ?? .nan),
                "kl_last_epoch": .number(fit.history.kl.last ?? .nan), "train_seconds": .number(seconds),
            ])
            rows.append(["\(latent)", cell(fit.history.elbo.last ?? .nan), cell(elbo), cell(iwae),
                         cell(fit.history.kl.last ?? .nan), cell(seconds)])
            if latent == 2 { fitted2 = fit }
        }
        guard let fit = fitted2 else { throw BayesKitError(.internal, "the 2-D VAE was not fitted") }

        let fig = try Figure.vaeOverview(fit, data: test, labels: data.test.labels, seed: seed,
                                         title: "VAE on the 8×8 digits (latent 2, hidden 256, Bernoulli decoder), held-out images")
        var fig2 = Figure(title: "VAE on the digits: latent interpolations and the decoded latent grid", rows: 1,
                          columns: 2, width: 1100, height: 470)
        fig2.columnWeights = [1.6, 1]
        var pairs = [[Double]]()
        for (a, b) in [(0, 1), (3, 8), (4, 9), (7, 2)] {
            guard let i = data.test.labels.firstIndex(of: a), let j = data.test.labels.firstIndex(of: b) else { continue }
            let line = try fit.interpolate(from: test.row(i), to: test.row(j), steps: 8)
            pairs += (0..<8).map { line.row($0) }
        }
        try fig2.panel(0, 0) { p in
            p.title = "Straight lines μ(a) → μ(b) decoded (0→1, 3→8, 4→9, 7→2)"
            p.xLabel = "from μ(a) (left) to μ(b) (right) in 8 steps"
            p.yLabel = "pairs"
            try p.images(pairs, side: 8, columns: 8)
        }
        let g = linspace(-2, 2, 10)
        var gridZ = [Double]()
        for z2 in g.reversed() { for z1 in g { gridZ += [z1, z2] } }
        let manifold = try fit.decode(try Matrix(rows: 100, columns: 2, values: gridZ))
        try fig2.panel(0, 1) { p in
            p.title = "Decoder means on the grid z ∈ [−2, 2]² (z₂ up)"
            p.xLabel = "z₁ from −2 to 2"
            p.yLabel = "z₂ from −2 to 2"
            try p.images((0..<100).map { manifold.row($0) }, side: 8, columns: 10)
        }

        let two = summary["latent_2"], sixteen = summary["latent_16"]
        let headline: String
        if case .object(let a)? = two, case .object(let b)? = sixteen, case .number(let la)? = a["test_iwae_100"],
           case .number(let lb)? = b["test_iwae_100"] {
            headline = "test log p(x) ≥ IWAE-100: \(cell(la)) nats (latent 2), \(cell(lb)) (latent 16)"
        } else {
            headline = "VAE digits"
        }
        return StudyResult(
            name: "vae-digits", title: "Variational autoencoder on the 8×8 digits", seedDocument: "seeds 003 and 004 (VAE)",
            description: """
                Amortized variational inference (Kingma & Welling 2014): an encoder 64-256-2K (ReLU) gives \
                q(z|x) = N(μ(x), diag σ²(x)), a decoder K-256-64 gives Bernoulli pixel probabilities, trained on \
                1438 of the 1797 UCI 8×8 digits (grey levels scaled to [0, 1]) by the reparameterized ELBO with \
                Adam (lr 1e-3, batch 128, \(epochs) epochs). On the 359 held-out images the single-draw ELBO and \
                the importance-weighted bound with k = 100 (Burda et al. 2016), a tighter lower bound on log p(x), \
                are reported for latent dimensions 2 and 16. The 2-D latent space separates the digits without \
                labels; interpolating between two codes morphs one digit into another.
                """,
            figures: [StudyFigure(file: "vae-digits.svg", figure: fig),
                      StudyFigure(file: "vae-digits-latent.svg", figure: fig2)],
            summary: summary,
            table: StudyTable(header: ["latent", "train ELBO", "test ELBO", "test IWAE-100", "KL", "train s"], rows: rows),
            headline: headline)
    }

    /// A VAE with a Gaussian decoder (learned noise) on two moons: data
    /// against samples of the fitted model, and the latent codes by moon.
    static func moons(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 300) throws -> StudyResult {
        let all = try Datasets.twoMoons(count: 1000, noise: 0.08)
        let model = VAE(latent: 2, hidden: [64, 64], activation: .tanh, decoder: .gaussianLearned(sigma: 0.3),
                        epochs: epochs, batchSize: 100, learningRate: 3e-3)
        let fit = try model.fit(all.x, seed: seed)
        let n = 1000
        let gen = try fit.sample(count: n, seed: seed &+ 1)
        let s = fit.decoderSigma ?? 0
        let rng = try RandomStream(seed: seed, stream: 2)
        let noisy = gen.mean.values.map { $0 + s * rng.normal() }
        let iwae = try fit.meanBound(all.x, samples: 100, seed: seed, threads: threads)
        var fig = Figure(title: "VAE on two moons (latent 2, 2-64-64-4 / 2-64-64-2 tanh, Gaussian decoder with learned s)",
                         rows: 1, columns: 3, width: 1300, height: 440)
        try fig.panel(0, 0) { p in try Figure.vaeHistory(&p, fit.history, title: "Training") }
        try fig.panel(0, 1) { p in
            p.title = "Data (grey) and model samples x = f(z) + s ε (blue)"
            try p.scatter(x: all.x.column(0), y: all.x.column(1), label: "data", color: .gray(0.6), size: 2)
            try p.scatter(x: stride(from: 0, to: 2 * n, by: 2).map { noisy[$0] },
                          y: stride(from: 1, to: 2 * n, by: 2).map { noisy[$0] }, label: "samples", color: .blue, size: 2)
            try p.scatter(x: gen.mean.column(0), y: gen.mean.column(1), label: "f(z)", color: .vermillion, size: 1.2)
        }
        let codes = try fit.encode(all.x).mean
        try fig.panel(0, 2) { p in
            p.title = "Latent means μ(x) by moon"
            p.xLabel = "z₁"
            p.yLabel = "z₂"
            for c in 0...1 {
                let idx = all.labels.indices.filter { all.labels[$0] == c }
                try p.scatter(x: idx.map { codes[$0, 0] }, y: idx.map { codes[$0, 1] }, label: "moon \(c)",
                              color: PlotColor.categorical(c), size: 2)
            }
        }
        let summary: [String: JSONValue] = [
            "epochs": .number(Double(epochs)), "seed": .number(Double(seed)), "iwae_100": .number(iwae),
            "decoder_sigma": .number(s), "elbo_last_epoch": .number(fit.history.elbo.last ?? .nan),
            "kl_last_epoch": .number(fit.history.kl.last ?? .nan),
        ]
        return StudyResult(
            name: "vae-moons", title: "Variational autoencoder on two moons", seedDocument: "seeds 003 and 004 (VAE)",
            description: """
                A 2-D synthetic set for pictures: 1000 two-moons points (noise 0.08) modelled by a VAE with a \
                2-D latent space and a Gaussian decoder whose noise s is learned with the networks. Samples of \
                the fitted model, f(z) + s ε with z ~ N(0, I), against the data; the decoder means f(z) trace the \
                two arcs, and the encoder separates the moons in latent space without their labels.
                """,
            figures: [StudyFigure(file: "vae-moons.svg", figure: fig)],
            summary: summary,
            table: StudyTable(header: ["IWAE-100", "ELBO (last epoch)", "KL", "s"],
                              rows: [[cell(iwae), cell(fit.history.elbo.last ?? .nan), cell(fit.history.kl.last ?? .nan), cell(s)]]),
            headline: "two moons: IWAE-100 \(cell(iwae)) nats per point, learned decoder noise s = \(cell(s))")
    }
}

extension VAEStudies {
    /// Sparse variational dropout on the digits (64-100-10 ReLU softmax)
    /// against plain dropout (MC dropout, rate 0.1) and mean-field VI:
    /// test accuracy and NLL, and the fraction of weights sparse VD removes;
    /// `log α` of the weights and, per input pixel, the fraction of its
    /// weights kept (the always-blank border pixels lose all of theirs).
    static func sparseVD(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 100) throws -> StudyResult {
        let data = try Digits.split(testEvery: 5)
        let x = data.train.images, labels = data.train.labels.map(Double.init)
        let y = try Matrix(rows: labels.count, columns: 1, values: labels)
        let test = data.test.images, testLabels = data.test.labels
        let arch = try NetworkArchitecture(layers: [64, 100, 10], activation: .relu)

        let svdStart = ContinuousClock.now
        let svd = try SparseVariationalDropout(epochs: epochs, batchSize: 100, learningRate: 0.01, klWarmup: epochs / 5)
            .fit(architecture: arch, likelihood: .categorical(classes: 10), x: x, y: y, seed: seed)
        let svdSeconds = ProgressMonitor.seconds(since: svdStart)
        let svdLogits = try svd.predict(test)
        let svdProbs = probabilities(fromLogits: svdLogits.values, rows: svdLogits.rows, columns: 10, temperature: 1)
        let svdEval = try Evaluation.classification(labels: testLabels, probabilities: svdProbs)

        let training = Training(head: .softmax, epochs: epochs, batchSize: 100, optimizer: .adam(Adam(learningRate: 0.01)))
        let dropStart = ContinuousClock.now
        let dropout = try MCDropout(rate: 0.1, passes: 50, training: training).fit(architecture: arch, x: x, y: labels,
                                                                                  seed: seed, threads: threads)
        let dropSeconds = ProgressMonitor.seconds(since: dropStart)
        let dropEval = try Evaluation.classification(labels: testLabels,
                                                     probabilities: try dropout.classify(test, threads: threads).probabilities)

        let viStart = ContinuousClock.now
        let vi = try MeanFieldVI(samples: 1, epochs: epochs, learningRate: 0.01, batchSize: 100)
            .fit(architecture: arch, likelihood: .categorical(classes: 10), x: x, y: y, seed: seed, threads: threads)
        let viSeconds = ProgressMonitor.seconds(since: viStart)
        let draws = try vi.sampleWeights(count: 100, stream: try RandomStream(seed: seed, stream: 3))
        let logits = try arch.predict(weightSamples: draws, inputs: test, threads: threads)
        let viProbs = try Evaluation.decomposition(logits.map {
            probabilities(fromLogits: $0.values, rows: $0.rows, columns: $0.columns, temperature: 1)
        }).probabilities
        let viEval = try Evaluation.classification(labels: testLabels, probabilities: viProbs)

        let sparsity = svd.sparsity()
        let la = svd.logAlpha
        // Fraction of each input pixel's 100 first-layer weights that sparse VD keeps.
        let kept = (0..<64).map { j in Double((0..<100).filter { la[$0 * 64 + j] <= svd.method.threshold }.count) / 100 }
        // Pixels that are 0 in every training image: their weights never see a signal.
        let blank = (0..<64).filter { j in (0..<x.rows).allSatisfy { x[$0, j] == 0 } }
        var fig = Figure(title: "Sparse variational dropout on the 8×8 digits (64-100-10 ReLU)", rows: 1, columns: 3,
                         width: 1350, height: 450)
        try fig.panel(0, 0) { p in
            p.title = "log α of the \(la.count) weights"
            p.xLabel = "log α (clipped to [−10, 15])"
            p.yLabel = "weights"
            try p.histogram(la.map { min(max($0, -10), 15) }, bins: 50, range: -10...15, label: "weights")
            try p.verticalLine(x: svd.method.threshold, label: "threshold log α = \(cell(svd.method.threshold))", color: .vermillion)
        }
        try fig.panel(0, 1) { p in
            p.title = "Kept fraction of each pixel's first-layer weights"
            let top = max(kept.max() ?? 1, 0.01)
            p.xLabel = "white: all 100 removed, black: \(cell(100 * top)) % kept"
            try p.images([kept], side: 8, columns: 1, range: 0...top)
        }
        try fig.panel(0, 2) { p in
            p.title = "Test accuracy and weights kept"
            try p.bars(categories: ["sparse VD", "MC dropout", "mean-field VI"], series: [
                BarSeries(label: "accuracy", values: [svdEval.accuracy, dropEval.accuracy, viEval.accuracy], color: .blue),
                BarSeries(label: "fraction of weights kept", values: [1 - sparsity, 1, 1], color: .orange),
            ])
        }
        let rows = [
            ["sparse VD", cell(svdEval.accuracy), cell(svdEval.nll), cell(1 - sparsity), cell(svdSeconds)],
            ["MC dropout (p = 0.1, 50 passes)", cell(dropEval.accuracy), cell(dropEval.nll), "1", cell(dropSeconds)],
            ["mean-field VI (100 draws)", cell(viEval.accuracy), cell(viEval.nll), "1", cell(viSeconds)],
        ]
        let summary: [String: JSONValue] = [
            "epochs": .number(Double(epochs)), "seed": .number(Double(seed)), "threshold": .number(svd.method.threshold),
            "sparse_vd": .object(["accuracy": .number(svdEval.accuracy), "nll": .number(svdEval.nll),
                                  "sparsity": .number(sparsity), "train_s": .number(svdSeconds)]),
            "mc_dropout": .object(["accuracy": .number(dropEval.accuracy), "nll": .number(dropEval.nll), "train_s": .number(dropSeconds)]),
            "mean_field_vi": .object(["accuracy": .number(viEval.accuracy), "nll": .number(viEval.nll), "train_s": .number(viSeconds)]),
            "blank_pixels": .array(blank.map { .number(Double($0)) }),
            "blank_pixels_kept": .number(blank.isEmpty ? .nan : blank.map { kept[$0] }.reduce(0, +) / Double(blank.count)),
        ]
        return StudyResult(
            name: "sparse-vd", title: "Sparse variational dropout against dropout and mean-field VI",
            seedDocument: "seed 003 (dropout as approximate inference; sparse variational dropout)",
            description: """
                Sparse variational dropout (Molchanov et al. 2017) learns a dropout rate α per weight under the \
                log-uniform prior and removes the weights with log α > 3. On the 8×8 digits (1438 training, 359 \
                test images, \(epochs) epochs, batch 100, Adam 0.01 with a cosine decay, KL warm-up over the first \
                fifth) it keeps \(cell(100 * (1 - sparsity))) % of the 7,400 weights at an accuracy close to MC \
                dropout and mean-field VI, which keep them all; the pixels that are blank in every image lose all \
                their weights.
                """,
            figures: [StudyFigure(file: "sparse-vd.svg", figure: fig)],
            summary: summary,
            table: StudyTable(header: ["method", "test accuracy", "test NLL", "weights kept", "train s"], rows: rows),
            headline: "sparse VD keeps \(cell(100 * (1 - sparsity))) % of the weights at test accuracy \(cell(svdEval.accuracy)) (MC dropout \(cell(dropEval.accuracy)), VI \(cell(viEval.accuracy)))")
    }
}
