import Foundation

/// Figures of fitted linear models, shared by the seed studies and
/// `bayeskit blr`: predictive bands, function samples, the evidence curve
/// and the bootstrap-versus-posterior comparison.
public enum LinearFigures {
    /// The colours the seed notebooks use: data red with a black edge,
    /// truth black dashed, predictions blue, samples red.
    static let dataColor = PlotColor.vermillion
    static let predictionColor = PlotColor.blue
    static let sampleColor = PlotColor.vermillion

    /// Observations (and the truth when given) in the notebooks' style.
    public static func drawData(_ panel: inout Panel, x: [Double], y: [Double], truth: (x: [Double], y: [Double])?,
                                label: String = "data") throws {
        if let truth { try panel.line(x: truth.x, y: truth.y, label: "truth", color: .black, width: 1.5, dash: .dashed) }
        try panel.scatter(x: x, y: y, label: label + " (n = \(x.count))", color: dataColor, size: 7, edge: .black,
                          opacity: 1)
    }

    /// The predictive mean with bands mean ± k·sd for each k in `sigmas`
    /// (sd includes the noise 1/β, PRML 3.59).
    public static func drawPredictive(_ panel: inout Panel, _ prediction: LinearPrediction, grid: [Double],
                                      sigmas: [Double] = [2, 1]) throws {
        let sd = prediction.standardDeviation
        for k in sigmas.sorted(by: >) {
            try panel.band(x: grid, mean: prediction.mean, sd: sd, k: k, label: "±\(Panel.compact(k))σ predictive",
                           color: predictionColor, opacity: k == sigmas.max() ? 0.15 : 0.3)
        }
        try panel.line(x: grid, y: prediction.mean, label: "predictive mean", color: predictionColor)
    }

    /// `count` functions drawn from the posterior, as thin lines.
    public static func drawSamples(_ panel: inout Panel, _ posterior: LinearPosterior, grid: [Double], count: Int,
                                   stream: RandomStream, opacity: Double = 0.5) throws {
        let f = try posterior.sampleFunctions(count, at: grid, using: stream)
        try panel.lines(x: grid, ys: (0..<f.rows).map { f.row($0) }, label: "\(count) posterior samples",
                        color: sampleColor, width: count > 10 ? 1 : 1.4, opacity: opacity)
    }

    /// Seed 000's two panels for a 1-D model: the predictive with ±1σ/±2σ
    /// bands, and `samples` posterior functions (drawn from `stream`).
    public static func fit(_ posterior: LinearPosterior, x: [Double], y: [Double], grid: [Double],
                           truth: (x: [Double], y: [Double])? = nil, samples: Int = 50, stream: RandomStream,
                           title: String = "", yLimits: ClosedRange<Double>? = nil) throws -> Figure {
        let prediction = try posterior.predict(grid)
        var fig = Figure(title: title, rows: 1, columns: 2)
        try fig.panel(0, 0) { p in
            p.title = "Posterior predictive (±1σ, ±2σ)"
            p.xLabel = "x"
            p.yLabel = "y"
            p.yLimits = yLimits
            try drawPredictive(&p, prediction, grid: grid)
            try drawData(&p, x: x, y: y, truth: truth)
        }
        try fig.panel(0, 1) { p in
            p.title = "Posterior function samples (\(samples) draws)"
            p.xLabel = "x"
            p.yLabel = "y"
            p.yLimits = yLimits
            try drawSamples(&p, posterior, grid: grid, count: samples, stream: stream,
                            opacity: samples > 10 ? 0.15 : 0.6)
            try drawData(&p, x: x, y: y, truth: truth)
        }
        return fig
    }

    /// Log evidence against the models of `comparison` (labelled by
    /// `positions`, e.g. polynomial degrees), the best marked.
    public static func evidenceCurve(_ comparison: ModelComparison, positions: [Double], xLabel: String,
                                     title: String = "") throws -> Figure {
        var fig = Figure(title: title, rows: 1, columns: 1, width: 720, height: 420 + (title.isEmpty ? 0 : 40))
        let values = comparison.entries.map(\.logEvidence)
        let best = comparison.bestIndex
        try fig.panel(0, 0) { p in
            p.title = "Log evidence ln p(y | model); best: \(comparison.best.name)"
            p.xLabel = xLabel
            p.yLabel = "log marginal likelihood"
            p.legend = .bottomRight
            if positions.allSatisfy({ $0 == $0.rounded() }) {
                p.xTicks = AxisTicks(major: positions, labels: positions.map { String(Int($0)) })
            }
            try p.verticalLine(x: positions[best], label: "best (\(cell(values[best])))", color: .gray(0.2))
            try p.line(x: positions, y: values, color: predictionColor)
            try p.scatter(x: positions, y: values, label: "ln p(y)", color: predictionColor, size: 8)
        }
        return fig
    }

    /// One small predictive panel per model of a 1-D comparison (seed 001's
    /// 2 × 5 grid), titled with the model name and its log evidence.
    public static func evidenceFits(_ comparison: ModelComparison, x: [Double], y: [Double], grid: [Double],
                                    truth: (x: [Double], y: [Double])? = nil, columns: Int = 5,
                                    yLimits: ClosedRange<Double>? = nil, title: String = "") throws -> Figure {
        let n = comparison.entries.count
        let cols = max(1, min(columns, n)), rows = (n + cols - 1) / cols
        var fig = Figure(title: title, rows: rows, columns: cols, width: 340 * Double(cols),
                         height: 300 * Double(rows) + (title.isEmpty ? 0 : 40))
        for k in 0..<(rows * cols) {
            try fig.panel(k / cols, k % cols) { p in
                guard k < n else { p.isVisible = false; return }
                let e = comparison.entries[k]
                p.title = e.name + (k == comparison.bestIndex ? " (best)" : "") + ", ln Z = " + cell(e.logEvidence)
                p.yLimits = yLimits
                p.legend = .hidden
                p.xLabel = k / cols == rows - 1 ? "x" : ""
                let prediction = try comparison.posteriors[k].predict(grid)
                try drawPredictive(&p, prediction, grid: grid, sigmas: [1])
                try drawData(&p, x: x, y: y, truth: truth)
            }
        }
        return fig
    }

    /// Per-coefficient histograms of bootstrap draws with the posterior
    /// marginal N(m_Nⱼ, (S_N)ⱼⱼ) overlaid and both central intervals at
    /// `level` marked; for two or more coefficients a last panel shows the
    /// draws of the first two over the posterior's contours.
    public static func bootstrap(_ boot: BootstrapResult, posterior: LinearPosterior, level: Double = 0.9,
                                 title: String = "") throws -> Figure {
        let comparison = try IntervalComparison(bootstrap: boot, posterior: posterior, level: level)
        let m = boot.estimate.count
        let count = m + (m >= 2 ? 1 : 0)
        let cols = min(count, m == 2 ? 3 : 4), rows = (count + cols - 1) / cols
        var fig = Figure(title: title, rows: rows, columns: cols, width: 480 * Double(cols),
                         height: 380 * Double(rows) + (title.isEmpty ? 0 : 40))
        let pct = Panel.compact(level * 100)
        let bootColor = PlotColor.orange, postColor = predictionColor
        for k in 0..<(rows * cols) {
            try fig.panel(k / cols, k % cols) { p in
                if k < m {
                    let r = comparison.rows[k]
                    let draws = boot.draws.column(k)
                    let lo = min(draws.min()!, r.posteriorMean - 4 * r.posteriorSD)
                    let hi = max(draws.max()!, r.posteriorMean + 4 * r.posteriorSD)
                    p.title = "w\(k) (feature \(r.name))"
                    p.xLabel = "w\(k)"
                    p.yLabel = "density"
                    p.legend = k == 0 ? .topRight : .hidden
                    // Headroom above the bars and the curve so the legend covers neither.
                    let edges = try Plot.binEdges(draws, bins: 15)
                    let heights = try Plot.histogram(draws, edges: edges, density: true)
                    let peak = max(heights.max() ?? 0, 1 / (r.posteriorSD * (2 * Double.pi).squareRoot()))
                    p.yLimits = 0...(peak * (k == 0 ? 1.75 : 1.15))
                    try p.histogram(draws, edges: edges, density: true, label: "bootstrap (B = \(boot.draws.rows))",
                                    color: bootColor, opacity: 0.5)
                    let g = linspace(lo, hi, 200)
                    let normal = try Normal(mean: r.posteriorMean, sd: r.posteriorSD)
                    try p.line(x: g, y: g.map { exp(normal.logDensity($0)) }, label: "posterior", color: postColor)
                    try p.verticalLine(x: r.bootstrapLower, label: "\(pct)% bootstrap interval", color: bootColor,
                                       width: 1.6, dash: .dashed)
                    try p.verticalLine(x: r.bootstrapUpper, color: bootColor, width: 1.6, dash: .dashed)
                    try p.verticalLine(x: r.posteriorLower, label: "\(pct)% posterior interval", color: postColor,
                                       width: 1.6, dash: .dotted)
                    try p.verticalLine(x: r.posteriorUpper, color: postColor, width: 1.6, dash: .dotted)
                } else if k == m, m >= 2 {
                    p.title = "w0, w1: bootstrap draws over posterior contours"
                    p.xLabel = "w0"
                    p.yLabel = "w1"
                    p.legend = .topRight
                    let sd = posterior.standardDeviations
                    let g0 = linspace(posterior.mean[0] - 4 * sd[0], posterior.mean[0] + 4 * sd[0], 80)
                    let g1 = linspace(posterior.mean[1] - 4 * sd[1], posterior.mean[1] + 4 * sd[1], 80)
                    let dens = try posterior.weightDensity(first: g0, second: g1)
                    try p.contour(x: g0, y: g1, values: (0..<dens.rows).map { dens.row($0) }, levelCount: 5,
                                  label: "posterior density", color: postColor)
                    try p.scatter(x: boot.draws.column(0), y: boot.draws.column(1), label: "bootstrap draws",
                                  color: bootColor, size: 5, opacity: 0.7)
                } else {
                    p.isVisible = false
                }
            }
        }
        return fig
    }
}
