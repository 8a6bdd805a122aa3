internal import CBayesKit

/// A small dense matrix of doubles, row-major, shape-checked. Products go
/// through CBLAS (serial OpenBLAS), factorizations through GSL.
public struct Matrix: Equatable, Sendable, Codable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    /// Row-major storage: element (i, j) is `values[i * columns + j]`.
    public private(set) var values: [Double]

    /// A `rows × columns` matrix from row-major `values`.
    public init(rows: Int, columns: Int, values: [Double]) throws {
        guard rows >= 0, columns >= 0 else {
            throw BayesKitError.invalidArgument("matrix shape must be non-negative, got \(rows) x \(columns)")
        }
        guard values.count == rows * columns else {
            throw BayesKitError.dimensionMismatch(
                "a \(rows) x \(columns) matrix needs \(rows * columns) values, got \(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A `rows × columns` matrix with every element `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) throws {
        guard rows >= 0, columns >= 0 else {
            throw BayesKitError.invalidArgument("matrix shape must be non-negative, got \(rows) x \(columns)")
        }
        self.rows = rows
        self.columns = columns
        self.values = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix from its rows, which must all have the same length.
    public init(_ rowArrays: [[Double]]) throws {
        let columns = rowArrays.first?.count ?? 0
        if let bad = rowArrays.firstIndex(where: { $0.count != columns }) {
            throw BayesKitError.dimensionMismatch(
                "row \(bad) has \(rowArrays[bad].count) values but row 0 has \(columns)")
        }
        try self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) throws -> Matrix {
        var m = try Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        var m = Matrix(unchecked: diagonal.count, diagonal.count, [Double](repeating: 0, count: diagonal.count * diagonal.count))
        for (i, d) in diagonal.enumerated() { m[i, i] = d }
        return m
    }

    init(unchecked rows: Int, _ columns: Int, _ values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Element (i, j). Indices are not range-checked beyond Swift's array check.
    public subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] { Array(values[(i * columns)..<((i + 1) * columns)]) }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(unchecked: columns, rows, values)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    /// The diagonal.
    public var diagonal: [Double] { (0..<min(rows, columns)).map { self[$0, $0] } }

    /// The matrix product `self · other` (CBLAS `dgemm`).
    public func matmul(_ other: Matrix) throws -> Matrix {
        guard columns == other.rows else {
            throw BayesKitError.dimensionMismatch(
                "cannot multiply a \(rows) x \(columns) matrix by a \(other.rows) x \(other.columns) matrix")
        }
        var out = [Double](repeating: 0, count: rows * other.columns)
        try values.withUnsafeBufferPointer { a in
            try other.values.withUnsafeBufferPointer { b in
                try out.withUnsafeMutableBufferPointer { c in
                    try check { bk_matmul(rows, columns, other.columns, a.baseAddress, b.baseAddress, c.baseAddress, $0) }
                }
            }
        }
        return Matrix(unchecked: rows, other.columns, out)
    }

    /// The matrix–vector product `self · x` (CBLAS `dgemv`).
    public func matvec(_ x: [Double]) throws -> [Double] {
        guard columns == x.count else {
            throw BayesKitError.dimensionMismatch(
                "cannot multiply a \(rows) x \(columns) matrix by a vector of length \(x.count)")
        }
        var out = [Double](repeating: 0, count: rows)
        try values.withUnsafeBufferPointer { a in
            try x.withUnsafeBufferPointer { xb in
                try out.withUnsafeMutableBufferPointer { y in
                    try check { bk_matvec(rows, columns, a.baseAddress, xb.baseAddress, y.baseAddress, $0) }
                }
            }
        }
        return out
    }

    public static func * (lhs: Matrix, rhs: Matrix) throws -> Matrix { try lhs.matmul(rhs) }

    public static func + (lhs: Matrix, rhs: Matrix) throws -> Matrix { try lhs.elementwise(rhs, "add", +) }
    public static func - (lhs: Matrix, rhs: Matrix) throws -> Matrix { try lhs.elementwise(rhs, "subtract", -) }

    public static func * (scalar: Double, m: Matrix) -> Matrix {
        Matrix(unchecked: m.rows, m.columns, m.values.map { scalar * $0 })
    }

    private func elementwise(_ other: Matrix, _ verb: String, _ op: (Double, Double) -> Double) throws -> Matrix {
        guard rows == other.rows, columns == other.columns else {
            throw BayesKitError.dimensionMismatch(
                "cannot \(verb) a \(rows) x \(columns) matrix and a \(other.rows) x \(other.columns) matrix")
        }
        return Matrix(unchecked: rows, columns, zip(values, other.values).map(op))
    }

    /// The lower Cholesky factor `L` with `self = L Lᵀ` (GSL `cholesky_decomp1`).
    /// Throws when the matrix is not square, not finite, or not positive definite.
    public func cholesky() throws -> Matrix {
        try requireSquare("Cholesky factorization")
        var out = [Double](repeating: 0, count: values.count)
        try values.withUnsafeBufferPointer { a in
            try out.withUnsafeMutableBufferPointer { l in
                try check { bk_cholesky(rows, a.baseAddress, l.baseAddress, $0) }
            }
        }
        return Matrix(unchecked: rows, columns, out)
    }

    /// Solves `self · X = B` for symmetric positive-definite `self` via Cholesky.
    public func solveSPD(_ b: Matrix) throws -> Matrix {
        guard b.rows == rows else {
            throw BayesKitError.dimensionMismatch(
                "cannot solve with a \(rows) x \(columns) matrix and a right-hand side with \(b.rows) rows")
        }
        let l = try cholesky()
        var x = b.values
        try l.values.withUnsafeBufferPointer { lb in
            try x.withUnsafeMutableBufferPointer { xb in
                try check { bk_cholesky_solve(rows, lb.baseAddress, b.columns, xb.baseAddress, $0) }
            }
        }
        return Matrix(unchecked: b.rows, b.columns, x)
    }

    /// The inverse of a symmetric positive-definite matrix (via Cholesky).
    public func inverseSPD() throws -> Matrix { try solveSPD(try .identity(rows)) }

    /// `log det` of a symmetric positive-definite matrix, `2 Σ log Lᵢᵢ`.
    public func logDeterminantSPD() throws -> Double {
        let l = try cholesky()
        return l.values.withUnsafeBufferPointer { bk_cholesky_logdet(rows, $0.baseAddress) }
    }

    func requireSquare(_ what: String) throws {
        guard rows == columns else {
            throw BayesKitError.dimensionMismatch("\(what) needs a square matrix, got \(rows) x \(columns)")
        }
    }

    public var description: String {
        (0..<rows).map { i in row(i).map { String($0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}
