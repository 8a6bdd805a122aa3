import Foundation

extension Diagnostics {
    /// The summary table of a run streamed to draws files, read from
    /// `folder/manifest.json` and the chain files it lists, with bounded
    /// memory: the files are read chunk by chunk, once to count the draws and
    /// then once per block of parameters, a block holding as many parameters'
    /// draws (all chains) as fit in `memoryBudget` bytes, at least one. Peak
    /// memory is about `memoryBudget` plus, per thread, a workspace of about
    /// 4 × 8 bytes × (all draws of one parameter). The rank-based diagnostics
    /// need every draw of a parameter at once, so one parameter's draws
    /// (8 bytes × chains × draws) is the floor.
    ///
    /// Chains must have the same number of complete draws; with
    /// `truncateToShortest` every chain is cut to the shortest instead (a run
    /// still writing, or interrupted).
    public static func summary(manifestFolder folder: URL, memoryBudget: Int = 32 << 20,
                               truncateToShortest: Bool = false, threads: Int = 0) throws
        -> [RunResult.ParameterSummary]
    {
        guard memoryBudget >= 0 else { throw BayesKitError.invalidArgument("memory budget must be >= 0 bytes, got \(memoryBudget)") }
        let manifest = try DrawsManifest.read(from: folder)
        let names = manifest.parameterNames
        guard !manifest.chains.isEmpty else {
            throw BayesKitError.invalidArgument("\(folder.path)/manifest.json lists no chains")
        }
        let files = manifest.chains.map { folder.appendingPathComponent($0.file) }

        // Pass 0: headers and the number of complete draws of every chain.
        var counts: [Int] = []
        for (entry, url) in zip(manifest.chains, files) {
            var n = 0
            let header = try DrawsFile.forEachChunk(url) { n += $0.rows }
            guard header.parameterNames == names else {
                throw BayesKitError.format(
                    "\(url.path): parameters \(header.parameterNames) differ from the manifest's \(names) (chain \(entry.chain))")
            }
            counts.append(n)
        }
        let shortest = counts.min()!
        if !truncateToShortest, let bad = counts.firstIndex(where: { $0 != counts[0] }) {
            throw BayesKitError.dimensionMismatch(
                "chain \(manifest.chains[bad].chain) (\(manifest.chains[bad].file)) has \(counts[bad]) draws but chain "
                    + "\(manifest.chains[0].chain) has \(counts[0]); diagnostics need chains of equal length "
                    + "(truncate to the shortest, \(shortest) draws, to use the first draws of every chain)")
        }
        let n = shortest, c = files.count
        let perParameter = max(1, 8 * n * c)
        let block = max(1, min(names.count, memoryBudget / perParameter))

        var result: [RunResult.ParameterSummary] = []
        result.reserveCapacity(names.count)
        var start = 0
        while start < names.count {
            let end = min(names.count, start + block), width = end - start
            // [chain][draw][parameter in block]
            var buffer = [Double](repeating: 0, count: c * n * width)
            for (k, url) in files.enumerated() {
                var d = 0
                try DrawsFile.forEachChunk(url) { chunk in
                    guard d < n else { return }
                    let rows = min(chunk.rows, n - d), p = chunk.columns
                    chunk.values.withUnsafeBufferPointer { src in
                        buffer.withUnsafeMutableBufferPointer { dst in
                            for r in 0..<rows {
                                let from = r * p + start, to = ((k * n) + d + r) * width
                                for j in 0..<width { dst[to + j] = src[from + j] }
                            }
                        }
                    }
                    d += rows
                }
                guard d == n else {
                    throw BayesKitError.io("\(url.path) changed while it was read: \(d) draws now, \(n) before")
                }
            }
            result += try summary(names: Array(names[start..<end]), flat: buffer, chains: c, draws: n, threads: threads)
            start = end
        }
        return result
    }
}
