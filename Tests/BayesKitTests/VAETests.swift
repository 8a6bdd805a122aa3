import BayesKit
import Foundation
import Testing

/// The variational autoencoder family (Sources/BayesKit/VAE) and its studies.
@Suite struct VAETests {
    @Test func digitsAreTheUCITestSet() throws {
        let d = try Digits.load()
        #expect(d.images.rows == 1797 && d.images.columns == 64)
        #expect(d.images.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        // scikit-learn's load_digits: 178 zeros, 182 ones, ..., 180 nines; first image a 0.
        let counts = (0...9).map { c in d.labels.filter { $0 == c }.count }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(d.images.row(0).prefix(8).map { $0 * 16 } == [0, 0, 5, 13, 9, 1, 0, 0])
        let split = try Digits.split(testEvery: 5)
        #expect(split.train.images.rows == 1438 && split.test.images.rows == 359)
        #expect(try Digits.load(binarized: true).images.values.allSatisfy { $0 == 0 || $0 == 1 })
    }

    /// A small VAE on the digits: the ELBO rises, IWAE-k >= single-draw ELBO
    /// beyond Monte Carlo error, the fit is reproducible, and it saves and loads.
    @Test func fitsDigitsAndBoundsTheLikelihood() throws {
        let data = try Digits.split(testEvery: 5)
        let model = VAE(latent: 4, hidden: [64], epochs: 40, batchSize: 64, learningRate: 3e-3)
        let fit = try model.fit(data.train.images, seed: 3)
        #expect(fit.history.epochs == 40 && fit.divergence == nil)
        let h = fit.history.elbo
        let early: Double = h.prefix(5).reduce(0, +) / 5
        let late: Double = h.suffix(5).reduce(0, +) / 5
        #expect(late > early + 5, "ELBO \(early) -> \(late)")
        let test = data.test.images
        let l1 = try fit.importanceWeightedBound(test, samples: 1, seed: 1)
        let l50 = try fit.importanceWeightedBound(test, samples: 50, seed: 1, threads: 1)
        #expect(try fit.importanceWeightedBound(test, samples: 50, seed: 1, threads: 2) == l50)
        let d = zip(l50, l1).map { $0 - $1 }
        let mean = d.reduce(0, +) / Double(d.count)
        let se = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count - 1) / Double(d.count)).squareRoot()
        #expect(mean > 4 * se, "IWAE-50 - ELBO = \(mean) ± \(se)")
        #expect(try model.fit(data.train.images, seed: 3).parameters == fit.parameters)
        #expect(try model.fit(data.train.images, seed: 4).parameters != fit.parameters)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vae-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try fit.save(to: url)
        let back = try FittedVAE.load(from: url)
        #expect(back.parameters == fit.parameters)
        let three = try Matrix(rows: 3, columns: 64, values: Array(test.values.prefix(192)))
        let r1 = try back.reconstruct(three), r2 = try fit.reconstruct(three)
        #expect(r1 == r2)
        #expect(try fit.sample(count: 5, seed: 2).mean.values.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func gaussianDecoderLearnsTheNoise() throws {
        // x = A z + noise with a 1-D latent: the learned decoder noise approaches the true 0.1.
        let rng = try RandomStream(seed: 9, stream: 0)
        var v = [Double]()
        for _ in 0..<600 {
            let z = rng.normal()
            v += [z + 0.1 * rng.normal(), -0.5 * z + 0.1 * rng.normal(), 0.1 * rng.normal()]
        }
        let x = try Matrix(rows: 600, columns: 3, values: v)
        let fit = try VAE(latent: 1, hidden: [16], activation: .tanh, decoder: .gaussianLearned(sigma: 1), epochs: 300,
                          batchSize: 100, learningRate: 1e-2).fit(x, seed: 1)
        let s = try #require(fit.decoderSigma)
        #expect(s > 0.07 && s < 0.16, "learned s = \(s)")
    }

    @Test func badInputNamesTheProblem() throws {
        let x = try Matrix(rows: 4, columns: 3, values: [0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1])
        #expect(throws: BayesKitError.invalidArgument("latent dimension must be >= 1, got 0")) {
            try VAE(latent: 0).fit(x)
        }
        #expect(throws: BayesKitError.invalidArgument("batch size 10 exceeds the 4 data rows")) {
            try VAE(batchSize: 10).fit(x)
        }
        #expect(throws: BayesKitError.dimensionMismatch("images have mixed sizes: image 2 has 63 pixels but image 1 has 64")) {
            try VAE().fit(images: [[Double](repeating: 0, count: 64), [Double](repeating: 0, count: 63)])
        }
        #expect(throws: BayesKitError.self) { try VAE(decoder: .gaussian(sigma: 0)).fit(x) }
        let grey = try Matrix(rows: 1, columns: 3, values: [0, 2, 0])
        do {
            _ = try VAE(batchSize: 1).fit(grey)
            Issue.record("data outside [0, 1] were accepted by a Bernoulli decoder")
        } catch let e as BayesKitError {
            #expect(e.message.contains("row 1 column 2 is 2"))
        }
        let fit = try VAE(latent: 2, hidden: [4], epochs: 2, batchSize: 2).fit(x, seed: 0)
        #expect(throws: BayesKitError.dimensionMismatch("data have 2 columns but the VAE has 3 inputs")) {
            try fit.encode(try Matrix(rows: 1, columns: 2, values: [0, 1]))
        }
        #expect(throws: BayesKitError.invalidArgument("the IWAE bound needs k >= 1 importance samples, got 0")) {
            try fit.importanceWeightedBound(x, samples: 0)
        }
    }

    /// The demo's VAE studies: well-formed figures, and numbers in their known ranges.
    @Test func studies() throws {
        let digits = try Studies.run("vae-digits", seed: 0)
        try StudiesTests().checkFigures(digits)
        guard case .object(let two)? = digits.summary["latent_2"], case .object(let sixteen)? = digits.summary["latent_16"],
              let iwae2 = two["test_iwae_100"]?.number, let elbo2 = two["test_elbo"]?.number,
              let iwae16 = sixteen["test_iwae_100"]?.number else {
            Issue.record("vae-digits summary lacks its bounds")
            return
        }
        // Grey-level digits under a Bernoulli decoder: bounds of a few tens of nats per image,
        // IWAE above the single-draw ELBO, 16 latent dimensions better than 2.
        #expect(iwae2 > elbo2 && iwae2 < 0 && iwae2 > -40, "\(iwae2) \(elbo2)")
        #expect(iwae16 > iwae2, "\(iwae16) vs \(iwae2)")
        let moons = try Studies.run("vae-moons", seed: 0)
        try StudiesTests().checkFigures(moons)
        let s = try #require(moons.summary["decoder_sigma"]?.number)
        #expect(s > 0 && s < 0.3, "learned decoder noise \(s)")
    }

    /// Sparse VD on the digits keeps a small fraction of the weights at an accuracy near the dense methods',
    /// and removes every weight of the pixels that are blank in all images.
    @Test func sparseVDStudy() throws {
        let s = try Studies.run("sparse-vd", seed: 0)
        try StudiesTests().checkFigures(s)
        guard case .object(let svd)? = s.summary["sparse_vd"], case .object(let drop)? = s.summary["mc_dropout"],
              let acc = svd["accuracy"]?.number, let sparsity = svd["sparsity"]?.number,
              let dropAcc = drop["accuracy"]?.number, let blank = s.summary["blank_pixels_kept"]?.number else {
            Issue.record("sparse-vd summary incomplete")
            return
        }
        #expect(sparsity > 0.5, "sparsity \(sparsity)")
        #expect(acc > 0.9 && acc > dropAcc - 0.05, "accuracy \(acc) vs dropout \(dropAcc)")
        // Pixels 0, 32 and 39 are blank in every image: (nearly) all their weights go.
        #expect(blank < 0.02, "kept \(blank) of the blank pixels' weights")
    }

    @Test func sparseVDBadInput() throws {
        let arch = try NetworkArchitecture(layers: [2, 3, 1], activation: .tanh)
        let x = try Matrix(rows: 3, columns: 2, values: [0, 1, 1, 0, 1, 1]), y = try Matrix(rows: 3, columns: 1, values: [0, 1, 2])
        #expect(throws: BayesKitError.invalidArgument("batch size 5 exceeds the 3 data rows")) {
            try SparseVariationalDropout(batchSize: 5).fit(architecture: arch, likelihood: .gaussian(sigma: 1), x: x, y: y)
        }
        #expect(throws: BayesKitError.invalidArgument("final rate fraction must be in (0, 1], got 0.0")) {
            try SparseVariationalDropout(finalRateFraction: 0).fit(architecture: arch, likelihood: .gaussian(sigma: 1), x: x, y: y)
        }
        let mixed = try NetworkArchitecture(layers: [2, 3, 3, 1], activations: [.tanh, .relu])
        #expect(throws: BayesKitError.self) {
            try SparseVariationalDropout(batchSize: 3).fit(architecture: mixed, likelihood: .gaussian(sigma: 1), x: x, y: y)
        }
        #expect(throws: BayesKitError.self) {
            try SparseVariationalDropout(batchSize: 3).fit(architecture: arch, likelihood: .bernoulli, x: x, y: y)
        }
    }
}
