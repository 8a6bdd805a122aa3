import Foundation

/// A numeric table read from a CSV or whitespace-separated file: named
/// columns of `Double`. Column names come from the header line, or are
/// `"0"`, `"1"`, ... when the file has none.
public struct Table: Sendable, Equatable {
    /// Column names in file order.
    public let columnNames: [String]
    /// Column-major values: `columns[j][i]` is row `i` of column `j`.
    public let columns: [[Double]]
    /// Where the table came from (a path, or `"<string>"`), used in messages.
    public let source: String

    public init(columnNames: [String], columns: [[Double]], source: String = "<table>") throws {
        guard columnNames.count == columns.count else {
            throw BayesKitError.dimensionMismatch(
                "\(source): \(columnNames.count) column names for \(columns.count) columns")
        }
        if let first = columns.first, let bad = columns.firstIndex(where: { $0.count != first.count }) {
            throw BayesKitError.dimensionMismatch(
                "\(source): column '\(columnNames[bad])' has \(columns[bad].count) rows, expected \(first.count)")
        }
        self.columnNames = columnNames
        self.columns = columns
        self.source = source
    }

    /// For callers that built equal-length columns themselves.
    init(unchecked columnNames: [String], _ columns: [[Double]], source: String) {
        self.columnNames = columnNames
        self.columns = columns
        self.source = source
    }

    public var rowCount: Int { columns.first?.count ?? 0 }
    public var columnCount: Int { columns.count }

    /// The index of a column given by header name or by 0-based index
    /// (a name wins over an index when a header literally is a number).
    public func columnIndex(_ spec: String) throws -> Int {
        if let i = columnNames.firstIndex(of: spec) { return i }
        if let i = Int(spec) {
            guard i >= 0, i < columnCount else {
                throw BayesKitError.invalidArgument(
                    "\(source): column index \(i) is out of range; the table has \(columnCount) columns (0-based)")
            }
            return i
        }
        let names = columnNames.map { "'\($0)'" }.joined(separator: ", ")
        throw BayesKitError.invalidArgument("\(source): no column named '\(spec)'; columns are \(names)")
    }

    /// A column given by header name or 0-based index.
    public func column(_ spec: String) throws -> [Double] { columns[try columnIndex(spec)] }

    /// Several columns as a `rows × k` matrix, in the order given.
    public func matrix(_ specs: [String]) throws -> Matrix {
        let picked = try specs.map { try column($0) }
        var values = [Double]()
        values.reserveCapacity(rowCount * picked.count)
        for i in 0..<rowCount { for c in picked { values.append(c[i]) } }
        return try Matrix(rows: rowCount, columns: picked.count, values: values)
    }

    /// The table as CSV text with a header line; numbers use Swift's shortest
    /// round-trip representation, so reading the text back gives the same doubles.
    public func csv() -> String {
        var out = columnNames.joined(separator: ",") + "\n"
        for i in 0..<rowCount {
            out += columns.map { "\($0[i])" }.joined(separator: ",") + "\n"
        }
        return out
    }

    public func write(csvTo url: URL) throws {
        do {
            try csv().write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw BayesKitError.io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
