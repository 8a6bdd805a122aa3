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
