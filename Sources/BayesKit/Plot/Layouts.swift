/// Ready-made multi-panel figures.
extension Figure {
    /// A heat map of a 2-D grid density with its two marginal densities:
    /// the x marginal above, the y marginal to the right (drawn along y),
    /// axes lined up with the map. `values[j][i]` is the (unnormalised,
    /// non-negative) density at `(x[i], y[j])`; the marginals are its sums
    /// over the other axis with trapezoid weights, normalised to integrate
    /// to 1 (non-finite cells count as 0). Contour lines are drawn at
    /// `contourLevels` when given.
    public static func heatmapWithMarginals(title: String = "", x: [Double], y: [Double], values: [[Double]],
                                            xLabel: String = "", yLabel: String = "",
                                            colormap: Colormap = .viridis, contourLevels: [Double]? = nil,
                                            size: Double = 640) throws -> Figure {
        try Panel.checkGrid(x: x, y: y, values: values, mark: "heatmap")
        func weights(_ g: [Double]) -> [Double] {
            guard g.count >= 2 else { return [1] }
            return g.indices.map { i in
                ((i + 1 < g.count ? g[i + 1] : g[i]) - (i > 0 ? g[i - 1] : g[i])) / 2
            }
        }
        let wx = weights(x), wy = weights(y)
        let v = values.map { $0.map { $0.isFinite ? $0 : 0 } }
        if let bad = v.joined().first(where: { $0 < 0 }) {
            throw BayesKitError.invalidArgument("marginal densities need non-negative grid values, got \(bad)")
        }
        var mx = x.indices.map { i in y.indices.reduce(0) { $0 + v[$1][i] * wy[$1] } }
        var my = y.indices.map { j in x.indices.reduce(0) { $0 + v[j][$1] * wx[$1] } }
        let zx = zip(mx, wx).reduce(0) { $0 + $1.0 * $1.1 }, zy = zip(my, wy).reduce(0) { $0 + $1.0 * $1.1 }
        if zx > 0 { mx = mx.map { $0 / zx } }
        if zy > 0 { my = my.map { $0 / zy } }

        var fig = Figure(title: title, rows: 2, columns: 2, width: size * 1.1, height: size + (title.isEmpty ? 0 : titleHeight))
        fig.rowWeights = [1, 3]
        fig.columnWeights = [3, 1]
        let xRange = HeatmapData.extent(x, .linear), yRange = HeatmapData.extent(y, .linear)
        let left = 78.0, mapBottom = 58.0
        try fig.panel(0, 0) { p in
            p.insets = PanelInsets(left: left, right: 14, top: 14, bottom: 8)
            p.xLimits = xRange.0...xRange.1
            p.yLabel = "density"
            p.legend = .hidden
            p.showsXTickLabels = false
            try p.density(x: x, y: mx, color: .blue)
        }
        try fig.panel(1, 0) { p in
            p.insets = PanelInsets(left: left, right: 14, top: 8, bottom: mapBottom)
            p.xLabel = xLabel
            p.yLabel = yLabel
            try p.heatmap(x: x, y: y, values: values, colormap: colormap, colorbarLabel: nil)
            if let levels = contourLevels { try p.contour(x: x, y: y, values: values, levels: levels) }
        }
        try fig.panel(1, 1) { p in
            p.insets = PanelInsets(left: 8, right: 18, top: 8, bottom: mapBottom)
            p.yLimits = yRange.0...yRange.1
            p.xLabel = "density"
            p.legend = .hidden
            p.showsYTickLabels = false
            let c = PlotColor.blue
            try p.band(y: y, left: [Double](repeating: 0, count: y.count), right: my, color: c, opacity: 0.15)
            try p.line(x: my, y: y, color: c)
        }
        try fig.panel(0, 1) { $0.isVisible = false }
        return fig
    }

    /// A reliability diagram over a histogram of how many predictions fall in
    /// each confidence bin. `confidence[b]` and `frequency[b]` are bin `b`'s
    /// mean predicted confidence and observed accuracy (non-finite for an
    /// empty bin), `counts[b]` its number of predictions; bins are equal in
    /// `[lower, 1]` unless `edges` are given (`counts.count + 1` of them).
    public static func reliabilityDiagram(title: String = "", confidence: [Double], frequency: [Double],
                                          counts: [Double], edges: [Double]? = nil, lower: Double = 0,
                                          label: String = "model") throws -> Figure {
        try requireSameCount("reliability", "confidence", confidence.count, "counts", counts.count)
        guard !counts.isEmpty else { throw BayesKitError.invalidArgument("reliability diagram needs at least 1 bin") }
        let bins = Double(counts.count)
        let binEdges: [Double] = edges ?? (0...counts.count).map { (k: Int) -> Double in
            lower + (1 - lower) * Double(k) / bins
        }
        var fig = Figure(title: title, rows: 2, columns: 1, height: 600 + (title.isEmpty ? 0 : titleHeight))
        fig.rowWeights = [3, 1.2]
        let left = 76.0
        try fig.panel(0, 0) { p in
            p.insets = PanelInsets(left: left)
            try p.reliability(confidence: confidence, frequency: frequency, label: label)
            p.xLimits = binEdges.first!...binEdges.last!
            p.xLabel = ""
        }
        try fig.panel(1, 0) { p in
            p.insets = PanelInsets(left: left)
            p.xLimits = binEdges.first!...binEdges.last!
            p.xLabel = "predicted confidence"
            p.yLabel = "count"
            try p.histogram(counts: counts, edges: binEdges, color: .gray(0.45), opacity: 0.8)
        }
        return fig
    }

    /// Trace plots of MCMC draws shaped `[chain][draw][parameter]`: one row
    /// per parameter, the traces of every chain on the left and each chain's
    /// kernel density on the right (a chain whose draws are all equal gets no
    /// density curve).
    public static func traces(title: String = "", names: [String], draws: [[[Double]]],
                              firstIteration: Int = 0) throws -> Figure {
        guard !names.isEmpty, !draws.isEmpty else {
            throw BayesKitError.invalidArgument("trace figure needs at least one parameter and one chain")
        }
        for (c, chain) in draws.enumerated() {
            for (t, draw) in chain.enumerated() where draw.count != names.count {
                throw BayesKitError.dimensionMismatch(
                    "draws[\(c)][\(t)] has \(draw.count) parameters but names has \(names.count)")
            }
        }
        var fig = Figure(title: title, rows: names.count, columns: 2, width: 960,
                         height: 230 * Double(names.count) + (title.isEmpty ? 0 : titleHeight))
        fig.columnWeights = [2, 1]
        // Equal insets line up the trace panels; the chain legend sits right of the first.
        let insets = PanelInsets(left: 70, right: draws.count > 1 ? 120 : 18)
        for (k, name) in names.enumerated() {
            let chains = draws.map { chain in chain.map { $0[k] } }
            try fig.panel(k, 0) { p in
                p.yLabel = name
                p.insets = insets
                p.legend = k == 0 && chains.count > 1 ? .outsideRight : .hidden
                try p.trace(chains: chains, firstIteration: firstIteration)
                if k < names.count - 1 { p.xLabel = "" }
            }
            try fig.panel(k, 1) { p in
                p.xLabel = name
                p.legend = .hidden
                for (c, chain) in chains.enumerated() {
                    guard let kde = try? KernelDensityEstimate(samples: chain.filter { $0.isFinite }),
                          let (xs, ds) = try? kde.grid(count: 200) else { continue }
                    try p.density(x: xs, y: ds, color: .categorical(c), width: 1.5, fillOpacity: 0)
                }
            }
        }
        return fig
    }
}
