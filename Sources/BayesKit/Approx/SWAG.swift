internal import CBayesKit
import Foundation

/// Owns a C `bk_swag` (running SWA/SWAG moments).
final class SWAGHandle {
    let raw: OpaquePointer

    init(dimension: Int, rank: Int) throws {
        var out: OpaquePointer?
        try check { bk_swag_alloc(dimension, rank, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate SWAG moments") }
        raw = out
    }

    deinit { bk_swag_free(raw) }

    var count: Int { bk_swag_count(raw) }
    var rank: Int { bk_swag_rank(raw) }

    func collect(_ theta: [Double]) throws { try check { bk_swag_collect(raw, theta, $0) } }

    func moments() throws -> SWAGMoments {
        let p = bk_swag_dim(raw), r = rank
        var mean = [Double](repeating: 0, count: p), sq = mean, dev = [Double](repeating: 0, count: r * p)
        try check { bk_swag_moments(raw, &mean, &sq, &dev, $0) }
        return SWAGMoments(count: count, mean: mean, secondMoment: sq,
                           deviations: (0..<r).map { Array(dev[($0 * p)..<(($0 + 1) * p)]) })
    }

    static func restore(_ m: SWAGMoments, maxRank: Int) throws -> SWAGHandle {
        let h = try SWAGHandle(dimension: m.mean.count, rank: maxRank)
        let flat = m.deviations.flatMap { $0 }
        try check { bk_swag_restore(h.raw, m.count, m.mean, m.secondMoment, m.deviations.count, flat, $0) }
        return h
    }
}

/// SWA/SWAG moments of collected weight vectors θ₁…θₙ (Maddox et al. 2019):
/// the mean (the SWA solution), the elementwise second moment, and the
/// last K deviation columns θᵢ − θ̄ᵢ (θ̄ᵢ the running mean after θᵢ).
public struct SWAGMoments: Codable, Sendable, Equatable {
    public let count: Int
    public let mean: [Double]
    public let secondMoment: [Double]
    /// Oldest first, each of the parameter dimension.
    public let deviations: [[Double]]

    enum CodingKeys: String, CodingKey { case count, mean, secondMoment = "second_moment", deviations }

    /// The moments of `iterates` collected in order, keeping `rank` deviation columns (computed in C).
    public static func collect(_ iterates: [[Double]], rank: Int) throws -> SWAGMoments {
        guard let first = iterates.first else { throw BayesKitError.invalidArgument("SWAG needs at least 1 iterate, got 0") }
        let h = try SWAGHandle(dimension: first.count, rank: rank)
        for (i, t) in iterates.enumerated() {
            guard t.count == first.count else {
                throw BayesKitError.dimensionMismatch("iterate \(i) has \(t.count) values, iterate 0 has \(first.count)")
            }
            try h.collect(t)
        }
        return try h.moments()
    }
}

/// SWAG (Maddox et al. 2019): pre-train, then keep training (by default SGD
/// at a constant rate) and collect the weights at the end of every
/// `collectEvery`-th epoch into running moments; predict by sampling
///
///     θ = θ_SWA + scale · (√diag · z₁ + D z₂ / √(K − 1)),   diag = θ²‾ − θ̄²
///
/// `scale = 1/√2` (the default) is the paper's Σ = (Σ_diag + DDᵀ/(K − 1))/2.
/// Seed 002's snippet uses `mean + scale·(std·z₁) + scale·D z₂/√K` with
/// scale 1, i.e. no ½ and √K for √(K − 1); BayesKit follows the paper.
/// Defaults: rank 20 and 30 draws as seed 002.
public struct SWAG: Codable, Sendable, Hashable {
    public var rank: Int
    public var samples: Int
    public var scale: Double
    /// Pre-training (from PyTorch's initialisation).
    public var pretraining: Training
    /// The collection phase: its epochs, optimiser (fresh state) and batch size.
    public var collection: Training
    public var collectEvery: Int
    public var noise: NoiseModel
    /// SWAG-diagonal: drop the low-rank term.
    public var diagonalOnly: Bool

    public init(rank: Int = 20, samples: Int = 30, scale: Double = 0.5.squareRoot(), pretraining: Training = Training(),
                collection: Training = Training(epochs: 200, optimizer: .sgd(SGD(learningRate: 0.01, momentum: 0.9))),
                collectEvery: Int = 1, noise: NoiseModel = .trainingResiduals, diagonalOnly: Bool = false) {
        self.rank = rank
        self.samples = samples
        self.scale = scale
        self.pretraining = pretraining
        self.collection = collection
        self.collectEvery = collectEvery
        self.noise = noise
        self.diagonalOnly = diagonalOnly
    }

    enum CodingKeys: String, CodingKey {
        case rank, samples, scale, pretraining, collection, collectEvery = "collect_every", noise,
             diagonalOnly = "diagonal_only"
    }

    /// Pre-trains and collects on stream `(seed, 0)`.
    public func fit(architecture: NetworkArchitecture, x: Matrix, y: [Double], seed: UInt64 = 0,
                    threads: Int? = nil) throws -> SWAGModel {
        guard rank >= 1 else { throw BayesKitError.invalidArgument("SWAG rank must be >= 1, got \(rank)") }
        guard samples >= 1 else { throw BayesKitError.invalidArgument("SWAG needs samples >= 1, got \(samples)") }
        guard scale >= 0, scale.isFinite else { throw BayesKitError.invalidArgument("SWAG scale must be finite and >= 0, got \(scale)") }
        guard collection.head == pretraining.head else {
            throw BayesKitError.invalidArgument("pre-training and collection must use the same head")
        }
        let rng = try RandomStream(seed: seed, stream: 0)
        let theta0 = try architecture.defaultInitialWeights(stream: rng)
        let pre = try pretraining.train(architecture: architecture, x: x, y: y, rng: rng, initialWeights: theta0, swag: nil)
        let swag = try SWAGHandle(dimension: architecture.parameterCount, rank: rank)
        let post = try collection.train(architecture: architecture, x: x, y: y, rng: rng, initialWeights: pre.weights,
                                        swag: swag, swaStart: 0, swaEvery: collectEvery)
        var model = SWAGModel(architecture: architecture, head: pretraining.head, method: self,
                              moments: try swag.moments(), noiseSD: 0,
                              lossHistory: pre.lossHistory + post.lossHistory, seed: seed)
        guard pretraining.head == .gaussian else { return model }
        let sd = try noise.noiseSD(y: y) { try architecture.forward(weights: model.moments.mean, inputs: x).values }
        model.noiseSD = sd
        return model
    }
}

/// Fitted SWAG moments with the settings to sample them. `Codable` (``archiveKind``).
public struct SWAGModel: Codable, Sendable, Equatable {
    public static let archiveKind = "SWAGModel"
    public let architecture: NetworkArchitecture
    public let head: OutputHead
    public let method: SWAG
    public let moments: SWAGMoments
    public internal(set) var noiseSD: Double
    public let lossHistory: [Double]
    public let seed: UInt64

    enum CodingKeys: String, CodingKey {
        case architecture, head, method, moments, noiseSD = "noise_sd", lossHistory = "loss_history", seed
    }

    /// The SWA solution θ̄.
    public var swaWeights: [Double] { moments.mean }

    /// `count` SWAG draws (rows of the result), draw s from stream `(seed, s)`.
    public func sampleWeights(_ count: Int? = nil, seed: UInt64 = 1, scale: Double? = nil) throws -> Matrix {
        let s = count ?? method.samples
        guard s >= 1 else { throw BayesKitError.invalidArgument("SWAG needs samples >= 1, got \(s)") }
        let h = try SWAGHandle.restore(moments, maxRank: method.rank)
        let p = architecture.parameterCount
        var out = [Double](repeating: 0, count: s * p)
        let rng = try RandomStream(seed: seed, stream: 0)
        for d in 0..<s {
            bk_rng_reset(rng.raw, seed, UInt64(d))
            try out.withUnsafeMutableBufferPointer { b in
                try check {
                    bk_swag_sample(rng.raw, h.raw, scale ?? method.scale, method.diagonalOnly ? 1 : 0,
                                   b.baseAddress! + d * p, $0)
                }
            }
        }
        return Matrix(unchecked: s, p, out)
    }

    /// The network's outputs under each draw (parallel over draws).
    public func outputs(_ x: Matrix, samples: Int? = nil, seed: UInt64 = 1, threads: Int? = nil) throws -> [Matrix] {
        try architecture.predict(weightSamples: try sampleWeights(samples, seed: seed), inputs: x, threads: threads)
    }

    public func predict(_ x: Matrix, samples: Int? = nil, seed: UInt64 = 1, threads: Int? = nil) throws -> UncertainPrediction {
        try regressionComponents(try outputs(x, samples: samples, seed: seed, threads: threads), head: head, noiseSD: noiseSD)
    }

    public func classify(_ x: Matrix, samples: Int? = nil, seed: UInt64 = 1, threads: Int? = nil) throws -> UncertaintyDecomposition {
        guard head.isClassification else { throw BayesKitError.invalidArgument("a \(head.rawValue) head does not classify") }
        let f = try outputs(x, samples: samples, seed: seed, threads: threads)
        return try Evaluation.decomposition(f.map { probabilities(fromLogits: $0.values, rows: $0.rows, columns: $0.columns) })
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> SWAGModel {
        try ModelArchive.load(SWAGModel.self, kind: archiveKind, from: url)
    }
}
