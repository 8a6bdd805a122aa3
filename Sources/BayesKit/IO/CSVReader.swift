import Foundation

/// Reads numeric tables: comma-separated files with or without a header
/// line, and whitespace-separated tables without a header (the UCI
/// `data.txt` format: runs of spaces or tabs, leading blanks, trailing blank
/// lines). Every error names the source, the 1-based line and the 1-based
/// column, e.g. `data.csv:4: column 2 ('y'): 'abc' is not a number`.
public enum CSVReader {
    /// How fields are separated.
    public enum Delimiter: Sendable, Equatable {
        /// Comma if the first non-blank line contains one, else whitespace.
        case automatic
        case comma
        case whitespace
    }

    /// Reads the file at `path`.
    public static func read(path: String, delimiter: Delimiter = .automatic) throws -> Table {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BayesKitError.io("cannot read \(path): \(Self.reason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BayesKitError.format("\(path): file is not UTF-8 text")
        }
        return try parse(text, source: path, delimiter: delimiter)
    }

    /// Parses CSV or whitespace-separated `text`; `source` names it in errors.
    ///
    /// The first line is a header when any of its fields is not a number.
    /// Blank lines and lines starting with `#` are skipped. A value that
    /// parses as NaN or infinity is rejected: data must be finite.
    public static func parse(_ text: String, source: String = "<string>", delimiter: Delimiter = .automatic) throws -> Table {
        var lines: [(number: Int, text: Substring)] = []
        var number = 0
        // "\r\n" is a single Character in Swift, and a newline.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            lines.append((number, line))
        }
        guard let first = lines.first else { throw BayesKitError.format("\(source): file is empty (no data rows)") }

        let comma: Bool
        switch delimiter {
        case .comma: comma = true
        case .whitespace: comma = false
        case .automatic: comma = first.text.contains(",")
        }
        func fields(_ line: Substring) -> [Substring] {
            if comma {
                return line.split(separator: ",", omittingEmptySubsequences: false).map {
                    Substring($0.trimmingCharacters(in: .whitespaces))
                }
            }
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }

        let firstFields = fields(first.text)
        let hasHeader = firstFields.contains { parseNumber($0) == nil }
        let names: [String]
        if hasHeader {
            names = firstFields.enumerated().map { $1.isEmpty ? "\($0)" : String($1) }
            if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw BayesKitError.format("\(source):\(first.number): column name '\(dup)' appears more than once")
            }
        } else {
            names = (0..<firstFields.count).map(String.init)
        }
        let width = names.count
        var columns = [[Double]](repeating: [], count: width)
        for (lineNumber, text) in lines.dropFirst(hasHeader ? 1 : 0) {
            let row = fields(text)
            guard row.count == width else {
                throw BayesKitError.format(
                    "\(source):\(lineNumber): ragged row: \(row.count) fields, expected \(width)")
            }
            for (j, field) in row.enumerated() {
                let where_ = "\(source):\(lineNumber): column \(j + 1)" + (hasHeader ? " ('\(names[j])')" : "")
                if field.isEmpty { throw BayesKitError.format("\(where_): missing value") }
                guard let value = parseNumber(field) else {
                    throw BayesKitError.format("\(where_): '\(field)' is not a number")
                }
                guard value.isFinite else {
                    throw BayesKitError.nonFinite("\(where_): '\(field)' is not finite (NaN or infinity in data)")
                }
                columns[j].append(value)
            }
        }
        if columns.first?.isEmpty ?? true {
            throw BayesKitError.format("\(source): file has a header but no data rows")
        }
        return try Table(columnNames: names, columns: columns, source: source)
    }

    /// A number in the forms people write in data files (`1`, `-2.5e-3`,
    /// `.5`), and also `nan`/`inf` so that they can be reported as
    /// non-finite rather than as text.
    static func parseNumber(_ field: Substring) -> Double? {
        if field.isEmpty { return nil }
        return Double(field)
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "No such file or directory" }
        return ns.localizedDescription
    }
}
