import Foundation

/// Saving fitted linear models. A built-in feature map is stored by its
/// parameters; a ``BasisFunction/custom(name:count:map:)`` map is a Swift
/// closure with no serialised form, and encoding it throws.
extension FeatureMap: Codable {
    enum CodingKeys: String, CodingKey {
        case type, inputDimension = "input_dimension", degree, shift, scale, centres, width, intercept
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputDimension, forKey: .inputDimension)
        switch kind {
        case .identity: try c.encode("identity", forKey: .type)
        case .affine: try c.encode("affine", forKey: .type)
        case let .polynomial(degree, shift, scale):
            try c.encode("polynomial", forKey: .type)
            try c.encode(degree, forKey: .degree)
            try c.encode(shift, forKey: .shift)
            try c.encode(scale, forKey: .scale)
        case let .radial(centres, width, intercept):
            try c.encode("radial", forKey: .type)
            try c.encode(centres, forKey: .centres)
            try c.encode(width, forKey: .width)
            try c.encode(intercept, forKey: .intercept)
        case let .custom(name, _, _):
            throw BayesKitError.invalidArgument(
                "a model with the custom feature map '\(name)' cannot be saved: its Swift closure has no serialised form")
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = try c.decode(Int.self, forKey: .inputDimension)
        guard d >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .inputDimension, in: c, debugDescription: "must be >= 1")
        }
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "identity": self.init(kind: .identity, inputDimension: d)
        case "affine": self.init(kind: .affine, inputDimension: d)
        case "polynomial":
            let degree = try c.decode(Int.self, forKey: .degree)
            guard degree >= 0, d == 1 else {
                throw DecodingError.dataCorruptedError(forKey: .degree, in: c, debugDescription: "invalid polynomial basis")
            }
            self.init(kind: .polynomial(degree: degree, shift: try c.decode(Double.self, forKey: .shift),
                                        scale: try c.decode(Double.self, forKey: .scale)), inputDimension: 1)
        case "radial":
            let centres = try c.decode(Matrix.self, forKey: .centres)
            let width = try c.decode(Double.self, forKey: .width)
            guard centres.columns == d, width > 0 else {
                throw DecodingError.dataCorruptedError(forKey: .centres, in: c, debugDescription: "invalid radial basis")
            }
            self.init(kind: .radial(centres: centres, width: width, intercept: try c.decode(Bool.self, forKey: .intercept)),
                      inputDimension: d)
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown basis type '\(type)'")
        }
    }
}

/// A ``LinearPosterior`` is saved as its feature map, prior, noise precision
/// and data statistics; loading recomputes the posterior from them with the
/// same arithmetic, so the mean and factor come back bit for bit.
extension LinearPosterior: Codable {
    /// The ``ModelArchive`` kind of a saved linear posterior.
    public static let archiveKind = "LinearPosterior"

    enum CodingKeys: String, CodingKey {
        case featureMap = "feature_map", priorMean = "prior_mean", priorPrecision = "prior_precision", beta, statistics
        case mean
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(featureMap, forKey: .featureMap)
        try c.encode(priorMean, forKey: .priorMean)
        try c.encode(priorPrecision, forKey: .priorPrecision)
        try c.encode(beta, forKey: .beta)
        try c.encode(statistics, forKey: .statistics)
        try c.encode(mean, forKey: .mean)  // for readers of the file; recomputed on load
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let map = try c.decode(FeatureMap.self, forKey: .featureMap)
        let priorMean = try c.decode([Double].self, forKey: .priorMean)
        let priorPrecision = try c.decode([Double].self, forKey: .priorPrecision)
        let statistics = try c.decode(LinearStatistics.self, forKey: .statistics)
        guard priorMean.count == map.count, priorPrecision.count == map.count, statistics.phiTy.count == map.count,
              statistics.gram.rows == map.count, statistics.gram.columns == map.count
        else {
            throw DecodingError.dataCorruptedError(forKey: .statistics, in: c,
                                                   debugDescription: "sizes do not match the feature map's \(map.count) features")
        }
        try self.init(featureMap: map, priorMean: priorMean, priorPrecision: priorPrecision,
                      beta: try c.decode(Double.self, forKey: .beta), statistics: statistics)
    }

    /// Saves the posterior to `url` (JSON with a schema version).
    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }

    /// Loads a posterior saved by ``save(to:)``.
    public static func load(from url: URL) throws -> LinearPosterior {
        try ModelArchive.load(LinearPosterior.self, kind: archiveKind, from: url)
    }
}
