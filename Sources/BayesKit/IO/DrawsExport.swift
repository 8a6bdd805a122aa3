import Foundation

/// Draws folders (`manifest.json` + one draws file per chain) in the layouts
/// Python's tools read, streamed with bounded memory.
///
/// - **ArviZ JSON**: one object `{"posterior": {name: [[chain 0 draws], …]},
///   "attrs": {…}}`, loaded by
///   ```python
///   import json, arviz as az
///   idata = az.from_dict(**json.load(open("arviz.json")))
///   ```
///   (ArviZ's `from_dict`; every parameter becomes a variable of shape
///   `(chain, draw)` under its BayesKit name).
/// - **Stan CSV**: one CmdStan-style CSV per chain (`#` comment lines, a
///   header, one row per draw), names in Stan's `name.i.j` form with 1-based
///   indices (`layer0.W[2,0]` becomes `layer0_W.3.1`), loaded by
///   `az.from_cmdstan(posterior=[...files])` or read as plain CSV.
public enum DrawsExport {
    /// Writes the ArviZ JSON of the draws in `folder` to `url`: every chain
    /// cut to the shortest (the manifest's complete draws), read one block of
    /// parameters at a time (`memoryBudget` bytes of draws per block).
    public static func arvizJSON(manifestFolder folder: URL, to url: URL, memoryBudget: Int = 32 << 20) throws {
        guard memoryBudget >= 0 else { throw BayesKitError.invalidArgument("memory budget must be >= 0 bytes, got \(memoryBudget)") }
        let (manifest, files, n) = try open(folder)
        let names = manifest.parameterNames, c = files.count
        let block = max(1, min(names.count, memoryBudget / max(1, 8 * n * c)))
        let out = try TextSink(url)
        try out.write("{\"posterior\": {")
        var start = 0
        while start < names.count {
            let end = min(names.count, start + block), width = end - start
            var buffer = [Double](repeating: 0, count: c * n * width) // [chain][draw][parameter in block]
            for (k, file) in files.enumerated() {
                var d = 0
                try DrawsFile.forEachChunk(file) { chunk in
                    guard d < n else { return }
                    let rows = min(chunk.rows, n - d)
                    for r in 0..<rows {
                        for j in 0..<width { buffer[(k * n + d + r) * width + j] = chunk[r, start + j] }
                    }
                    d += rows
                }
            }
            for j in 0..<width {
                var text = (start + j == 0 ? "\n" : ",\n") + jsonString(names[start + j]) + ": ["
                for k in 0..<c {
                    text += k == 0 ? "[" : ", ["
                    text += (0..<n).map { number(buffer[(k * n + $0) * width + j]) }.joined(separator: ", ")
                    text += "]"
                }
                try out.write(text + "]")
            }
            start = end
        }
        let attrs = ["created_by": "bayeskit \(bayesKitVersion)", "source": folder.path,
                     "complete": manifest.complete ? "true" : "false"]
        try out.write("\n}, \"attrs\": {" + attrs.sorted { $0.key < $1.key }
            .map { jsonString($0.key) + ": " + jsonString($0.value) }.joined(separator: ", ") + "}}\n")
        try out.close()
    }

    /// Writes `chain-<k>.csv` per chain into `directory` (created) in CmdStan's
    /// layout; returns the files. Each chain is streamed chunk by chunk.
    @discardableResult
    public static func stanCSV(manifestFolder folder: URL, to directory: URL) throws -> [URL] {
        let (manifest, files, n) = try open(folder)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw BayesKitError.io("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let header = manifest.parameterNames.map(stanName)
        guard Set(header).count == header.count else {
            throw BayesKitError.invalidArgument("parameter names collide in Stan's naming: \(header.joined(separator: ", "))")
        }
        var written: [URL] = []
        for (entry, file) in zip(manifest.chains, files) {
            let url = directory.appendingPathComponent("chain-\(entry.chain).csv")
            let out = try TextSink(url)
            try out.write("# Written by bayeskit \(bayesKitVersion) from \(file.path)\n# chain = \(entry.chain + 1)\n"
                + "# draws = \(n)\n" + header.joined(separator: ",") + "\n")
            var d = 0
            try DrawsFile.forEachChunk(file) { chunk in
                guard d < n else { return }
                let rows = min(chunk.rows, n - d)
                var text = ""
                for r in 0..<rows { text += (0..<chunk.columns).map { number(chunk[r, $0]) }.joined(separator: ",") + "\n" }
                try out.write(text)
                d += rows
            }
            try out.close()
            written.append(url)
        }
        return written
    }

    /// Stan's name for a BayesKit parameter name: `base[i,j]` becomes
    /// `base.(i+1).(j+1)` with every character of `base` outside
    /// `[A-Za-z0-9_]` replaced by `_`.
    public static func stanName(_ name: String) -> String {
        var base = name, indices: [Int] = []
        if name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
            let inner = name[name.index(after: open)..<name.index(before: name.endIndex)]
            let parsed = inner.split(separator: ",", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && $0! >= 0 }) {
                base = String(name[..<open])
                indices = parsed.map { $0! + 1 }
            }
        }
        let safe = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
        return ([safe.isEmpty ? "_" : safe] + indices.map(String.init)).joined(separator: ".")
    }

    /// Manifest, chain files and the common number of draws (the shortest chain).
    private static func open(_ folder: URL) throws -> (DrawsManifest, [URL], Int) {
        let manifest = try DrawsManifest.read(from: folder)
        guard !manifest.chains.isEmpty else { throw BayesKitError.invalidArgument("\(folder.path)/manifest.json lists no chains") }
        let files = manifest.chains.map { folder.appendingPathComponent($0.file) }
        var counts: [Int] = []
        for (entry, url) in zip(manifest.chains, files) {
            var rows = 0
            let header = try DrawsFile.forEachChunk(url) { rows += $0.rows }
            guard header.parameterNames == manifest.parameterNames else {
                throw BayesKitError.format("\(url.path): parameters differ from the manifest's (chain \(entry.chain))")
            }
            counts.append(rows)
        }
        return (manifest, files, counts.min() ?? 0)
    }

    /// Shortest text that reads back as the same double; NaN and infinities
    /// as JSON cannot hold them: `NaN`, `Infinity` (Python's json reads both).
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        return "\(v)"
    }

    static func jsonString(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 { r += String(format: "\\u%04x", u.value) } else { r.unicodeScalars.append(u) }
            }
        }
        return r + "\""
    }
}

/// A text file written in pieces, with errors that name the path.
final class TextSink {
    private let handle: FileHandle
    let url: URL

    init(_ url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw BayesKitError.io("cannot create \(url.path)")
        }
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw BayesKitError.io("cannot open \(url.path) for writing: \(error.localizedDescription)")
        }
    }

    func write(_ text: String) throws {
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw BayesKitError.io("cannot write to \(url.path): \(error.localizedDescription)")
        }
    }

    func close() throws {
        do { try handle.close() } catch { throw BayesKitError.io("cannot close \(url.path): \(error.localizedDescription)") }
    }
}
