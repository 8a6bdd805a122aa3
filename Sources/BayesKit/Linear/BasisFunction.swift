internal import CBayesKit
import Foundation

/// A choice of basis functions φ(x) for a linear model `y = wᵀφ(x) + ε`
/// (Bishop 2006, PRML §3.1). Options that depend on the data (input scaling,
/// evenly spaced centres) are settled by ``resolve(on:)`` when a model is
/// fitted; the result, a ``FeatureMap``, is recorded in the fitted posterior
/// and reused for prediction and sequential updates.
public enum BasisFunction: Sendable {
    /// φ(x) = x: the inputs themselves (d columns, no intercept).
    case identity
    /// φ(x) = (1, x₁, …, x_d): seed 000/001's `identity_basis_function` with
    /// `expand`'s column of ones.
    case affine
    /// φ(x) = (1, u, u², …, u^degree) for 1-D inputs. With `scaleInputs`,
    /// u = (x − c)/h maps the training range [min, max] onto [−1, 1]
    /// (c = (min+max)/2, h = (max−min)/2), which keeps high degrees well
    /// conditioned; otherwise u = x (seed 001's `polynomial_basis_function`).
    case polynomial(degree: Int, scaleInputs: Bool = false)
    /// Gaussian radial basis functions exp(−(x − μ_k)²/(2s²)) at explicit
    /// 1-D `centres` with width s, preceded by a column of ones when
    /// `intercept` (seed 001: `expand(x, gaussian_basis_function, linspace(0, 1, 9))`, s = 0.1).
    case gaussian(centres: [Double], width: Double, intercept: Bool = true)
    /// `count` Gaussian basis functions with centres evenly spaced over the
    /// training range of a 1-D input; `width` defaults to the centre spacing.
    case gaussianGrid(count: Int, width: Double? = nil, intercept: Bool = true)
    /// Radial basis functions exp(−|x − μ_k|²/(2s²)) on d-dimensional inputs,
    /// centres the rows of a K × d matrix.
    case radial(centres: Matrix, width: Double, intercept: Bool = true)
    /// A user feature map: `map` sends one input row (d values) to `count`
    /// features. Evaluated in Swift; the linear algebra still runs in C.
    case custom(name: String, count: Int, map: @Sendable ([Double]) -> [Double])

    /// The feature map this basis becomes on training inputs `x` (n × d).
    public func resolve(on x: Matrix) throws -> FeatureMap {
        let d = x.columns
        guard d >= 1 else { throw BayesKitError.invalidArgument("inputs must have at least one column") }
        switch self {
        case .identity:
            return FeatureMap(kind: .identity, inputDimension: d)
        case .affine:
            return FeatureMap(kind: .affine, inputDimension: d)
        case let .polynomial(degree, scaleInputs):
            try Self.requireOneDimensional(d, "polynomial")
            guard degree >= 0 else { throw BayesKitError.invalidArgument("polynomial degree must be >= 0, got \(degree)") }
            var shift = 0.0, scale = 1.0
            if scaleInputs {
                let (lo, hi) = try Self.range(x)
                shift = (lo + hi) / 2
                scale = hi > lo ? 2 / (hi - lo) : 1
            }
            return FeatureMap(kind: .polynomial(degree: degree, shift: shift, scale: scale), inputDimension: 1)
        case let .gaussian(centres, width, intercept):
            try Self.requireOneDimensional(d, "Gaussian")
            let c = try Matrix(rows: centres.count, columns: 1, values: centres)
            return try Self.radialMap(c, width, intercept)
        case let .gaussianGrid(count, width, intercept):
            try Self.requireOneDimensional(d, "Gaussian")
            guard count >= 1 else { throw BayesKitError.invalidArgument("Gaussian basis needs at least one centre, got \(count)") }
            let (lo, hi) = try Self.range(x)
            let centres = count == 1 ? [(lo + hi) / 2] : (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
            let spacing = count == 1 ? hi - lo : (hi - lo) / Double(count - 1)
            let s = width ?? spacing
            guard s > 0 else {
                throw BayesKitError.invalidArgument(
                    "cannot place Gaussian basis functions over a data range of zero width; give the width explicitly")
            }
            return try Self.radialMap(try Matrix(rows: count, columns: 1, values: centres), s, intercept)
        case let .radial(centres, width, intercept):
            guard centres.columns == d else {
                throw BayesKitError.dimensionMismatch(
                    "radial basis centres have \(centres.columns) columns but the inputs have \(d)")
            }
            return try Self.radialMap(centres, width, intercept)
        case let .custom(name, count, map):
            guard count >= 1 else { throw BayesKitError.invalidArgument("custom feature map '\(name)' must have >= 1 features, got \(count)") }
            return FeatureMap(kind: .custom(name: name, count: count, map: map), inputDimension: d)
        }
    }

    static func radialMap(_ centres: Matrix, _ width: Double, _ intercept: Bool) throws -> FeatureMap {
        guard centres.rows >= 1 else { throw BayesKitError.invalidArgument("Gaussian basis needs at least one centre") }
        try requireFinite(centres.values, "Gaussian basis centres")
        guard width > 0, width.isFinite else {
            throw BayesKitError.invalidArgument("Gaussian basis width must be finite and > 0, got \(formatNumber(width))")
        }
        return FeatureMap(kind: .radial(centres: centres, width: width, intercept: intercept), inputDimension: centres.columns)
    }

    static func requireOneDimensional(_ d: Int, _ what: String) throws {
        guard d == 1 else { throw BayesKitError.invalidArgument("\(what) basis needs 1-dimensional inputs, got \(d) columns") }
    }

    static func range(_ x: Matrix) throws -> (Double, Double) {
        try requireFinite(x.values, "x")
        guard let lo = x.values.min(), let hi = x.values.max() else {
            throw BayesKitError.invalidArgument("no data: x and y are empty")
        }
        return (lo, hi)
    }
}

/// A resolved feature map φ: inputs (n × d) → design matrix Φ (n × M).
/// Built-in kinds are evaluated in C block by block (Φ is never stored for
/// large n); a ``BasisFunction/custom(name:count:map:)`` map runs in Swift.
public struct FeatureMap: Sendable {
    public enum Kind: Sendable {
        case identity
        case affine
        /// (1, u, …, u^degree) with u = (x − shift)·scale.
        case polynomial(degree: Int, shift: Double, scale: Double)
        case radial(centres: Matrix, width: Double, intercept: Bool)
        case custom(name: String, count: Int, map: @Sendable ([Double]) -> [Double])
    }

    public let kind: Kind
    /// d, the number of input columns.
    public let inputDimension: Int

    /// M, the number of features (coefficients).
    public var count: Int {
        switch kind {
        case .identity: return inputDimension
        case .affine: return inputDimension + 1
        case let .polynomial(degree, _, _): return degree + 1
        case let .radial(centres, _, intercept): return centres.rows + (intercept ? 1 : 0)
        case let .custom(_, count, _): return count
        }
    }

    /// One name per feature, for tables and `result.json` ("1", "x", "x^2", "rbf(0.125)").
    public var names: [String] {
        let xs = inputDimension == 1 ? ["x"] : (0..<inputDimension).map { "x\($0)" }
        switch kind {
        case .identity: return xs
        case .affine: return ["1"] + xs
        case let .polynomial(degree, shift, scale):
            let u = shift == 0 && scale == 1 ? "x" : "u"
            return (0...degree).map { $0 == 0 ? "1" : $0 == 1 ? u : "\(u)^\($0)" }
        case let .radial(centres, _, intercept):
            let rbf = (0..<centres.rows).map { "rbf(" + centres.row($0).map { formatNumber($0) }.joined(separator: ", ") + ")" }
            return (intercept ? ["1"] : []) + rbf
        case let .custom(name, count, _): return (0..<count).map { "\(name)[\($0)]" }
        }
    }

    /// Φ for the rows of `x` (n × d).
    public func design(_ x: Matrix) throws -> Matrix {
        try requireInputs(x)
        if case let .custom(name, count, map) = kind {
            var out = [Double](repeating: 0, count: x.rows * count)
            for i in 0..<x.rows {
                let row = x.row(i)
                if let j = row.firstIndex(where: { !$0.isFinite }) { throw Self.nonFiniteInput(x, i, j) }
                let f = map(row)
                guard f.count == count else {
                    throw BayesKitError.dimensionMismatch(
                        "custom feature map '\(name)' returned \(f.count) features for row \(i), expected \(count)")
                }
                if let j = f.firstIndex(where: { !$0.isFinite }) {
                    throw BayesKitError.nonFinite(
                        "custom feature map '\(name)' returned a non-finite value (\(formatNumber(f[j]))) at row \(i), feature \(j)")
                }
                out.replaceSubrange((i * count)..<((i + 1) * count), with: f)
            }
            return try Matrix(rows: x.rows, columns: count, values: out)
        }
        var out = [Double](repeating: 0, count: x.rows * count)
        try withBasis { basis in
            try x.values.withUnsafeBufferPointer { xb in
                try out.withUnsafeMutableBufferPointer { o in
                    try check { bk_basis_expand(basis, x.rows, xb.baseAddress, o.baseAddress, $0) }
                }
            }
        }
        return try Matrix(rows: x.rows, columns: count, values: out)
    }

    /// Φ for 1-D inputs.
    public func design(_ x: [Double]) throws -> Matrix { try design(try Matrix(rows: x.count, columns: 1, values: x)) }

    var isCustom: Bool { if case .custom = kind { return true } else { return false } }

    func requireInputs(_ x: Matrix) throws {
        guard x.columns == inputDimension else {
            throw BayesKitError.dimensionMismatch("x has \(x.columns) columns but the basis expects \(inputDimension)")
        }
    }

    static func nonFiniteInput(_ x: Matrix, _ i: Int, _ j: Int) -> BayesKitError {
        let v = formatNumber(x[i, j])
        if x.columns == 1 { return .nonFinite("x contains a non-finite value (\(v)) at index \(i)") }
        return .nonFinite("x contains a non-finite value (\(v)) at row \(i), column \(j)")
    }

    /// Calls `body` with the C description of a built-in map; for a custom
    /// map, with the raw basis of its `count` features (the caller passes Φ).
    func withBasis<R>(_ body: (UnsafePointer<bk_basis>) throws -> R) rethrows -> R {
        var b = bk_basis()
        b.input_dim = inputDimension
        switch kind {
        case .identity:
            b.kind = Int32(BK_BASIS_RAW.rawValue)
        case .affine:
            b.kind = Int32(BK_BASIS_AFFINE.rawValue)
        case let .polynomial(degree, shift, scale):
            b.kind = Int32(BK_BASIS_POLYNOMIAL.rawValue)
            b.degree = Int32(clamping: degree)
            b.shift = shift
            b.scale = scale
        case let .radial(centres, width, intercept):
            b.kind = Int32(BK_BASIS_RBF.rawValue)
            b.ncentres = centres.rows
            b.width = width
            b.intercept = intercept ? 1 : 0
            return try centres.values.withUnsafeBufferPointer { c in
                b.centres = c.baseAddress
                return try body(&b)
            }
        case let .custom(_, count, _):
            b.kind = Int32(BK_BASIS_RAW.rawValue)
            b.input_dim = count
        }
        return try body(&b)
    }
}

/// `%g` formatting, so Swift messages read like the C core's.
func formatNumber(_ v: Double) -> String { String(format: "%g", v) }

/// 1-D inputs as an n × 1 matrix.
func columnMatrix(_ x: [Double]) -> Matrix { Matrix(unchecked: x.count, 1, x) }
