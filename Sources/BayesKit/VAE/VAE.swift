internal import CBayesKit
import Foundation

/// The observation model `p(x | z)` of a ``VAE``'s decoder with outputs `f(z)`.
public enum VAEDecoder: Codable, Sendable, Hashable {
    /// `log p(x|z) = Σ_d x_d f_d − log(1 + e^{f_d})`: `f` are logits, data in [0, 1]
    /// (binary images, or grey levels as the usual cross-entropy).
    case bernoulli
    /// `x_d ~ N(f_d, σ²)` with a fixed `σ`.
    case gaussian(sigma: Double)
    /// `x_d ~ N(f_d, s²)` with one learned `log s`, starting at `log sigma`.
    case gaussianLearned(sigma: Double)

    var code: Int32 {
        switch self {
        case .bernoulli: Int32(BK_VAE_BERNOULLI.rawValue)
        case .gaussian: Int32(BK_VAE_GAUSSIAN.rawValue)
        case .gaussianLearned: Int32(BK_VAE_GAUSSIAN_LEARNED.rawValue)
        }
    }

    var sigma: Double {
        switch self {
        case .bernoulli: 1
        case .gaussian(let s), .gaussianLearned(let s): s
        }
    }
}

/// A variational autoencoder (Kingma & Welling 2014, "Auto-encoding
/// variational Bayes", ICLR): amortized variational inference in which an
/// encoder network maps each data point `x` to `q(z | x) = N(μ(x), diag σ²(x))`
/// and a decoder network gives `p(x | z)`, the prior being `p(z) = N(0, I)`.
/// Both are trained together by maximising the reparameterized
///
///     ELBO_β(x) = (1/L) Σ_l log p(x | z_l) − β KL(q(z|x) ‖ N(0, I)),
///     z_l = μ + σ ⊙ ε_l,   KL = ½ Σ_k (μ_k² + σ_k² − log σ_k² − 1),
///
/// averaged over minibatches, with Adam; `β ≠ 1` is the β-VAE (Higgins et al.
/// 2017) and ``klSchedule`` anneals it (Bowman et al. 2016). The encoder has
/// the hidden widths ``hidden`` and the decoder the same reversed. Forward,
/// backward through the latent sample and the optimiser run in C
/// (`include/bayeskit/vae.h`).
public struct VAE: Codable, Sendable, Hashable {
    public var latent: Int
    public var hidden: [Int]
    public var activation: Activation
    public var decoder: VAEDecoder
    public var epochs: Int
    /// Rows per step; `nil` = all rows.
    public var batchSize: Int?
    /// Latent draws `L` per data point and step.
    public var samples: Int
    public var learningRate: Double
    /// The KL weight `β` (multiplies ``klSchedule``'s).
    public var beta: Double
    public var klSchedule: KLSchedule

    public init(latent: Int = 2, hidden: [Int] = [256], activation: Activation = .relu, decoder: VAEDecoder = .bernoulli,
                epochs: Int = 100, batchSize: Int? = 128, samples: Int = 1, learningRate: Double = 1e-3,
                beta: Double = 1, klSchedule: KLSchedule = .constant) {
        self.latent = latent
        self.hidden = hidden
        self.activation = activation
        self.decoder = decoder
        self.epochs = epochs
        self.batchSize = batchSize
        self.samples = samples
        self.learningRate = learningRate
        self.beta = beta
        self.klSchedule = klSchedule
    }

    func config(rows: Int) -> bk_vae_config {
        var c = bk_vae_config_default()
        c.epochs = max(epochs, 0)
        c.batch_size = max(min(batchSize ?? rows, rows), 0)
        c.samples = max(samples, 0)
        c.beta = beta
        c.anneal = klSchedule.cValue
        c.optim = bk_optim_adam_default(learningRate)
        return c
    }

    func validate() throws {
        if latent < 1 { throw BayesKitError.invalidArgument("latent dimension must be >= 1, got \(latent)") }
        if let bad = hidden.first(where: { $0 < 1 }) {
            throw BayesKitError.invalidArgument("hidden widths must be >= 1, got \(bad)")
        }
        if epochs < 1 { throw BayesKitError.invalidArgument("number of epochs must be >= 1, got \(epochs)") }
        if samples < 1 { throw BayesKitError.invalidArgument("latent samples per row must be >= 1, got \(samples)") }
        if let b = batchSize, b < 1 { throw BayesKitError.invalidArgument("batch size must be >= 1, got \(b)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw BayesKitError.invalidArgument("learning rate must be > 0 and finite, got \(learningRate)")
        }
        if !(beta > 0) || !beta.isFinite { throw BayesKitError.invalidArgument("KL weight beta must be > 0, got \(beta)") }
    }

    /// Trains on the rows of `x` (`n × D`). The initial weights come from
    /// stream 0 of `seed`, the shuffle of epoch `e` from stream `2e + 1`, the
    /// latent draws of step `t` from stream `2t + 2`: the result depends on
    /// `seed` only. `progress` (one task) counts epochs. A diverging run throws
    /// the message naming the epoch, or with `throwOnDivergence: false` returns
    /// the last finite parameters with ``FittedVAE/divergence`` set.
    public func fit(_ x: Matrix, seed: UInt64 = 0, progress: ProgressCounter? = nil,
                    throwOnDivergence: Bool = true) throws -> FittedVAE {
        try validate()
        if let b = batchSize, b > x.rows {
            throw BayesKitError.invalidArgument("batch size \(b) exceeds the \(x.rows) data rows")
        }
        let handle = try VAEHandle(self, inputs: x.columns)
        try handle.checkData(x)
        let stream = try RandomStream(seed: seed, stream: 0)
        var theta = [Double](repeating: 0, count: handle.parameterCount)
        try check { bk_vae_init(stream.raw, handle.raw, &theta, $0) }
        var cfg = config(rows: x.rows)
        let e = epochs
        var elbo = [Double](repeating: 0, count: e), rec = elbo, kl = elbo, secs = elbo
        var done = 0
        var record = bk_error()
        bk_error_clear(&record)
        let status = bk_vae_train(handle.raw, &cfg, x.rows, x.values, seed, &theta, progress?.raw, &elbo, &rec, &kl,
                                  &secs, &done, &record)
        var divergence: String?
        if status != 0 {
            let error = BayesKitError(status: status, record: record)
            guard error.code == .nonFinite, !throwOnDivergence else { throw error }
            divergence = error.message
        }
        let history = VAEHistory(elbo: Array(elbo.prefix(done)), reconstruction: Array(rec.prefix(done)),
                                 kl: Array(kl.prefix(done)),
                                 klWeight: (0..<done).map { beta * klSchedule.weight(epoch: $0) },
                                 seconds: Array(secs.prefix(done)))
        return FittedVAE(model: self, inputs: x.columns, parameters: theta, seed: seed, count: x.rows,
                         history: history, divergence: divergence)
    }
}

extension VAE {
    /// Stacks images (each a flat array of pixels) into the `n × D` matrix
    /// ``fit(_:seed:progress:throwOnDivergence:)`` takes; every image must have
    /// the first one's size.
    public static func imageMatrix(_ images: [[Double]]) throws -> Matrix {
        guard let first = images.first, !first.isEmpty else {
            throw BayesKitError.invalidArgument("no images, or the first image has no pixels")
        }
        if let bad = images.firstIndex(where: { $0.count != first.count }) {
            throw BayesKitError.dimensionMismatch(
                "images have mixed sizes: image \(bad + 1) has \(images[bad].count) pixels but image 1 has \(first.count)")
        }
        return try Matrix(rows: images.count, columns: first.count, values: Array(images.joined()))
    }

    /// ``fit(_:seed:progress:throwOnDivergence:)`` on a list of equally sized images.
    public func fit(images: [[Double]], seed: UInt64 = 0, progress: ProgressCounter? = nil) throws -> FittedVAE {
        try fit(Self.imageMatrix(images), seed: seed, progress: progress)
    }
}

/// Per-epoch means over the epoch's minibatches (per data point).
public struct VAEHistory: Codable, Sendable, Equatable {
    /// `reconstruction − β · kl`.
    public var elbo: [Double]
    /// `(1/L) Σ_l log p(x | z_l)`.
    public var reconstruction: [Double]
    /// `KL(q(z|x) ‖ N(0, I))`.
    public var kl: [Double]
    /// `β` of each epoch (``VAE/beta`` times the schedule's weight).
    public var klWeight: [Double]
    /// Wall seconds since the start at the end of each epoch.
    public var seconds: [Double]
    public var epochs: Int { elbo.count }
}

/// A trained ``VAE``: encode, decode, reconstruct, sample, and the
/// importance-weighted bound on `log p(x)`; saved and loaded bit for bit.
public struct FittedVAE: Codable, Sendable {
    public let model: VAE
    /// `D`, values per data point.
    public let inputs: Int
    /// Encoder parameters (nn flat order), then the decoder's, then `log s` for a learned Gaussian noise.
    public let parameters: [Double]
    public let seed: UInt64
    /// Training rows.
    public let count: Int
    public let history: VAEHistory
    /// Set when training stopped early on a non-finite ELBO.
    public let divergence: String?

    public static let archiveKind = "vae"

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }

    public static func load(from url: URL) throws -> FittedVAE {
        let fitted = try ModelArchive.load(FittedVAE.self, kind: archiveKind, from: url)
        let handle = try VAEHandle(fitted.model, inputs: fitted.inputs)
        guard fitted.parameters.count == handle.parameterCount else {
            throw BayesKitError.format("saved VAE has \(fitted.parameters.count) parameters, its architecture needs \(handle.parameterCount)")
        }
        return fitted
    }

    /// The learned (or fixed) decoder noise `s` of a Gaussian decoder.
    public var decoderSigma: Double? {
        switch model.decoder {
        case .bernoulli: nil
        case .gaussian(let s): s
        case .gaussianLearned: Foundation.exp(parameters[parameters.count - 1])
        }
    }

    /// `μ(x)` and `log σ²(x)` of `q(z | x)` for each row of `x` (`n × K` each).
    public func encode(_ x: Matrix) throws -> (mean: Matrix, logVariance: Matrix) {
        let h = try VAEHandle(model, inputs: inputs)
        try h.checkColumns(x)
        let K = model.latent
        var mu = [Double](repeating: 0, count: x.rows * K), lv = mu
        try check { bk_vae_encode(h.raw, parameters, x.rows, x.values, &mu, &lv, $0) }
        return (Matrix(unchecked: x.rows, K, mu), Matrix(unchecked: x.rows, K, lv))
    }

    /// The decoder's mean for latent points `z` (`n × K`): pixel
    /// probabilities for the Bernoulli decoder, `f(z)` for the Gaussians.
    public func decode(_ z: Matrix) throws -> Matrix {
        guard z.columns == model.latent else {
            throw BayesKitError.dimensionMismatch("latent points have \(z.columns) columns but the VAE has \(model.latent) latent dimensions")
        }
        let h = try VAEHandle(model, inputs: inputs)
        var out = [Double](repeating: 0, count: z.rows * inputs)
        try check { bk_vae_decode(h.raw, parameters, z.rows, z.values, &out, $0) }
        return Matrix(unchecked: z.rows, inputs, out)
    }

    /// `decode(μ(x))`: the reconstruction through the posterior mean.
    public func reconstruct(_ x: Matrix) throws -> Matrix { try decode(encode(x).mean) }

    /// `count` points `decode(z)`, `z ~ N(0, I)` from stream `(seed, 0)`; the latents too.
    public func sample(count: Int, seed: UInt64 = 0) throws -> (latent: Matrix, mean: Matrix) {
        guard count >= 1 else { throw BayesKitError.invalidArgument("sample count must be >= 1, got \(count)") }
        let rng = try RandomStream(seed: seed, stream: 0)
        let z = try Matrix(rows: count, columns: model.latent, values: (0..<(count * model.latent)).map { _ in rng.normal() })
        return (z, try decode(z))
    }

    /// The decoded straight line from `μ(a)` to `μ(b)` in `steps` points (latent interpolation).
    public func interpolate(from a: [Double], to b: [Double], steps: Int = 8) throws -> Matrix {
        guard steps >= 2 else { throw BayesKitError.invalidArgument("interpolation needs >= 2 steps, got \(steps)") }
        let ends = try encode(Matrix(rows: 2, columns: inputs, values: a + b)).mean
        let K = model.latent
        var z = [Double]()
        for s in 0..<steps {
            let t = Double(s) / Double(steps - 1)
            for k in 0..<K { z.append((1 - t) * ends.values[k] + t * ends.values[K + k]) }
        }
        return try decode(Matrix(unchecked: steps, K, z))
    }

    /// The importance-weighted bound `L_k(x) = log (1/k) Σ_i p(x, z_i)/q(z_i | x)`
    /// per row (Burda, Grosse & Salakhutdinov 2016, ICLR): `ELBO = L_1 ≤ L_k ≤
    /// log p(x)`, increasing in `k`. Row `i` draws from stream `2⁴⁰ + i` of
    /// `seed`: the numbers do not depend on `threads`.
    public func importanceWeightedBound(_ x: Matrix, samples k: Int = 100, seed: UInt64 = 0,
                                        threads: Int? = nil) throws -> [Double] {
        guard k >= 1 else { throw BayesKitError.invalidArgument("the IWAE bound needs k >= 1 importance samples, got \(k)") }
        let h = try VAEHandle(model, inputs: inputs)
        try h.checkColumns(x)
        let nthreads = try threadArgument(threads)
        var out = [Double](repeating: 0, count: x.rows)
        try check { bk_vae_iwae(h.raw, parameters, x.rows, x.values, k, seed, nthreads, &out, $0) }
        return out
    }

    /// Mean over rows of ``importanceWeightedBound(_:samples:seed:threads:)``.
    public func meanBound(_ x: Matrix, samples k: Int = 100, seed: UInt64 = 0, threads: Int? = nil) throws -> Double {
        let b = try importanceWeightedBound(x, samples: k, seed: seed, threads: threads)
        return b.reduce(0, +) / Double(b.count)
    }
}

/// Owns a C `bk_vae`.
final class VAEHandle {
    let raw: OpaquePointer
    let inputs: Int

    init(_ model: VAE, inputs: Int) throws {
        try model.validate()
        guard inputs >= 1 else { throw BayesKitError.invalidArgument("VAE data need >= 1 column, got \(inputs)") }
        var spec = bk_vae_spec()
        spec.inputs = inputs
        spec.latent = model.latent
        spec.nhidden = model.hidden.count
        spec.activation = model.activation.code
        spec.decoder = model.decoder.code
        spec.sigma = model.decoder.sigma
        var out: OpaquePointer?
        let widths = model.hidden
        try widths.withUnsafeBufferPointer { w in
            spec.hidden = w.baseAddress
            try check { bk_vae_alloc(&spec, &out, $0) }
        }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate a VAE") }
        raw = out
        self.inputs = inputs
    }

    deinit { bk_vae_free(raw) }

    var parameterCount: Int { bk_vae_nparams(raw) }

    func checkColumns(_ x: Matrix) throws {
        guard x.columns == inputs else {
            throw BayesKitError.dimensionMismatch("data have \(x.columns) columns but the VAE has \(inputs) inputs")
        }
    }

    func checkData(_ x: Matrix) throws {
        try checkColumns(x)
        try check { bk_vae_check_data(raw, x.rows, x.values, $0) }
    }
}
