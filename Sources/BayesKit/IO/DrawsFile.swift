internal import CBayesKit
import Foundation

/// Streams draws of one chain to a BayesKit draws file (format in
/// `include/bayeskit/draws.h`): a header with the parameter names, then
/// chunks of little-endian doubles, each with a hash, so memory stays
/// bounded and a partial file stays readable up to its last complete chunk.
public final class DrawsWriter {
    private var raw: OpaquePointer?
    public let url: URL
    public let parameterNames: [String]
    public let chain: Int

    /// Creates (truncates) the file and writes its header.
    public init(url: URL, parameterNames: [String], chain: Int = 0, chunkDraws: Int = 1024) throws {
        guard chain >= 0 else { throw BayesKitError.invalidArgument("chain index must be >= 0, got \(chain)") }
        guard chunkDraws >= 1 else { throw BayesKitError.invalidArgument("chunk size must be >= 1 draw, got \(chunkDraws)") }
        var out: OpaquePointer?
        let cNames = parameterNames.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        try cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
            try check { bk_draws_writer_open(url.path, parameterNames.count, names.baseAddress, UInt64(chain), chunkDraws, &out, $0) }
        }
        raw = out
        self.url = url
        self.parameterNames = parameterNames
        self.chain = chain
    }

    deinit { if let raw { bk_draws_writer_close(raw, nil) } }

    /// Draws appended so far.
    public var count: Int { raw.map { Int(bk_draws_writer_count($0)) } ?? 0 }

    /// Appends one draw (one value per parameter).
    public func append(_ draw: [Double]) throws {
        let w = try open()
        guard draw.count == parameterNames.count else {
            throw BayesKitError.dimensionMismatch("a draw needs \(parameterNames.count) values, got \(draw.count)")
        }
        try status(draw.withUnsafeBufferPointer { bk_draws_writer_append(w, $0.baseAddress) }, w)
    }

    /// Appends every row of `draws` (draws × parameters).
    public func append(contentsOf draws: Matrix) throws {
        let w = try open()
        guard draws.columns == parameterNames.count else {
            throw BayesKitError.dimensionMismatch(
                "draws need \(parameterNames.count) columns (one per parameter), got \(draws.columns)")
        }
        try status(draws.values.withUnsafeBufferPointer { bk_draws_writer_append_many(w, draws.rows, $0.baseAddress) }, w)
    }

    /// Writes buffered draws as a chunk and flushes the file.
    public func flush() throws {
        let w = try open()
        try status(bk_draws_writer_flush(w), w)
    }

    /// Flushes and closes; later calls fail.
    public func close() throws {
        guard let w = raw else { return }
        raw = nil
        try check { bk_draws_writer_close(w, $0) }
    }

    private func open() throws -> OpaquePointer {
        guard let raw else { throw BayesKitError.io("draws file \(url.path) is already closed") }
        return raw
    }

    private func status(_ code: Int32, _ w: OpaquePointer) throws {
        if code != 0 {
            throw BayesKitError(BayesKitError.Code(rawValue: code) ?? .internal, String(cString: bk_draws_writer_last_error(w)))
        }
    }
}

/// The draws of one chain read back from a draws file.
public struct ChainDraws: Sendable, Equatable {
    public var parameterNames: [String]
    public var chain: Int
    /// Draws × parameters.
    public var values: Matrix
    /// Whether the file ended inside a chunk (a run still writing, or
    /// interrupted); `values` then holds the complete chunks before it.
    public var truncated: Bool
}

/// Reading draws files.
public enum DrawsFile {
    /// Reads the whole file.
    public static func read(_ url: URL) throws -> ChainDraws {
        var values: [Double] = []
        let (names, chain, truncated) = try forEachChunk(url) { values.append(contentsOf: $0.values) }
        let matrix = try Matrix(rows: values.count / names.count, columns: names.count, values: values)
        return ChainDraws(parameterNames: names, chain: chain, values: matrix, truncated: truncated)
    }

    /// Calls `body` with each complete chunk (draws × parameters) in order,
    /// holding one chunk in memory at a time. Returns the header and whether
    /// the file was cut inside a chunk.
    @discardableResult
    public static func forEachChunk(_ url: URL, _ body: (Matrix) throws -> Void) throws
        -> (parameterNames: [String], chain: Int, truncated: Bool)
    {
        var reader: OpaquePointer?
        try check { bk_draws_reader_open(url.path, &reader, $0) }
        guard let r = reader else { throw BayesKitError(.internal, "draws reader was not created") }
        defer { bk_draws_reader_close(r) }
        let p = bk_draws_reader_nparams(r)
        let names = (0..<p).map { String(cString: bk_draws_reader_name(r, $0)) }
        var truncated: Int32 = 0
        while true {
            var data: UnsafePointer<Double>?
            var n = 0
            let status = bk_draws_reader_next(r, &data, &n, &truncated)
            if status != 0 {
                throw BayesKitError(BayesKitError.Code(rawValue: status) ?? .internal, String(cString: bk_draws_reader_last_error(r)))
            }
            guard n > 0, let data else { break }
            try body(try Matrix(rows: n, columns: p, values: Array(UnsafeBufferPointer(start: data, count: n * p))))
        }
        return (names, Int(bk_draws_reader_chain(r)), truncated != 0)
    }

    /// Writes the draws as CSV (a header of parameter names, one draw per
    /// row), streaming chunk by chunk. Names with commas or quotes are quoted.
    public static func exportCSV(from url: URL, to csv: URL) throws {
        let names = try header(url).parameterNames
        guard FileManager.default.createFile(atPath: csv.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: csv)
        else { throw BayesKitError.io("cannot create \(csv.path)") }
        defer { try? handle.close() }
        func field(_ s: String) -> String {
            s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        do {
            try handle.write(contentsOf: Data((names.map(field).joined(separator: ",") + "\n").utf8))
            try forEachChunk(url) { chunk in
                var text = ""
                for i in 0..<chunk.rows { text += chunk.row(i).map { "\($0)" }.joined(separator: ",") + "\n" }
                try handle.write(contentsOf: Data(text.utf8))
            }
        } catch let e as BayesKitError { throw e } catch {
            throw BayesKitError.io("cannot write \(csv.path): \(error.localizedDescription)")
        }
    }

    /// The parameter names and chain index of a draws file, without reading its draws.
    public static func header(_ url: URL) throws -> (parameterNames: [String], chain: Int) {
        var reader: OpaquePointer?
        try check { bk_draws_reader_open(url.path, &reader, $0) }
        guard let r = reader else { throw BayesKitError(.internal, "draws reader was not created") }
        defer { bk_draws_reader_close(r) }
        return ((0..<bk_draws_reader_nparams(r)).map { String(cString: bk_draws_reader_name(r, $0)) },
                Int(bk_draws_reader_chain(r)))
    }
}
