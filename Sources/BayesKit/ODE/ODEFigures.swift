import Foundation

/// The figures of ODE inference: a grid posterior as a heat map with
/// contours and marginals, and the posterior predictive trajectory with
/// bands over the interpolation and extrapolation windows.
public enum ODEFigures {
    /// The joint density of grid axes `a` (x) and `b` (y) as a heat map with
    /// contours at 10/30/50/70/90% of its peak and the two marginals;
    /// `truth` (when given) is marked with a cross.
    public static func grid(_ grid: GridPosterior, axes a: Int = 0, _ b: Int = 1, truth: [Double]? = nil,
                            title: String, size: Double = 640) throws -> Figure {
        let x = grid.axes[a].values, y = grid.axes[b].values
        let density = grid.density(a, b)
        let peak = density.joined().max() ?? 1
        var fig = try Figure.heatmapWithMarginals(
            title: title, x: x, y: y, values: density, xLabel: grid.axes[a].name, yLabel: grid.axes[b].name,
            colormap: .viridis, contourLevels: [0.1, 0.3, 0.5, 0.7, 0.9].map { $0 * peak }, size: size)
        try fig.panel(1, 0) { p in
            p.legend = .topRight
            let mode = grid.mode
            try p.scatter(x: [mode[a]], y: [mode[b]], label: "grid mode", color: .white, marker: .circle, size: 8,
                          edge: .black, opacity: 1)
            if let truth {
                try p.scatter(x: [truth[a]], y: [truth[b]], label: "truth", color: .vermillion, marker: .cross, size: 12,
                              opacity: 1)
            }
        }
        return fig
    }

    /// The posterior predictive of the observed state: mean, ±2σ bands
    /// (epistemic, and with the observation noise), the data, the truth when
    /// known, the observation window shaded as interpolation and the rest as
    /// extrapolation.
    public static func predictive(_ p: ODEPredictive, data: (t: [Double], y: [Double]),
                                  truth: (t: [Double], y: [Double])?, title: String, yLabel: String = "x(t)",
                                  width: Double = 1000, height: Double = 420) throws -> Figure {
        var fig = Figure(title: title, rows: 1, columns: 1, width: width, height: height)
        try fig.panel(0, 0) { panel in
            try window(&panel, times: p.times, data: data.t, yLabel: yLabel)
            try panel.band(x: p.times, mean: p.mean, sd: p.totalSD, k: 2, label: "±2σ new observation",
                           color: .skyBlue, opacity: 0.2)
            try panel.band(x: p.times, mean: p.mean, sd: p.sd, k: 2, label: "±2σ trajectory (epistemic)",
                           color: .blue, opacity: 0.35)
            try panel.line(x: p.times, y: p.mean, label: "posterior mean", color: .blue, width: 2)
            if let truth {
                try panel.line(x: truth.t, y: truth.y, label: "true trajectory", color: .black, width: 1.3, dash: .dashed)
            }
            try panel.scatter(x: data.t, y: data.y, label: "observations (n = \(data.t.count))", color: .vermillion,
                              size: 5, edge: .black, opacity: 1)
        }
        return fig
    }

    /// MCMC draws of θ as a pair plot: histograms (densities) on the
    /// diagonal, scatter plots of draw pairs below it. With a grid posterior
    /// over the first two parameters, its marginals are drawn over the
    /// histograms and its contours (10/30/50/70/90% of the peak) over the
    /// scatter, so sampler and grid can be compared by eye. `draws` is
    /// `[draw][parameter]` (thin it to a few thousand points).
    public static func pairs(_ draws: [[Double]], names: [String], grid: GridPosterior? = nil, truth: [Double]? = nil,
                             title: String, panelSize: Double = 260) throws -> Figure {
        let k = names.count
        guard k >= 1, draws.allSatisfy({ $0.count == k }) else {
            throw BayesKitError.dimensionMismatch("pair plot: every draw must have \(k) values")
        }
        var fig = Figure(title: title, rows: k, columns: k, width: panelSize * Double(k) + 120,
                         height: panelSize * Double(k) + 60)
        let column = (0..<k).map { j in draws.map { $0[j] } }
        let gridDims = grid.map { $0.axes.count } ?? 0
        for i in 0..<k {
            for j in 0..<k {
                try fig.panel(i, j) { p in
                    if j > i {
                        p.isVisible = false
                        return
                    }
                    p.xLabel = i == k - 1 ? names[j] : ""
                    if i == j {
                        try p.histogram(column[j], bins: 40, density: true, label: i == 0 ? "MCMC" : nil, color: .blue)
                        if let grid, j < gridDims {
                            try p.line(x: grid.axes[j].values, y: grid.marginal(j), label: i == 0 ? "grid" : nil,
                                       color: .black, width: 1.5)
                        }
                        if let truth, j < truth.count { try p.verticalLine(x: truth[j], color: .vermillion) }
                        if i == 0 { p.legend = .topRight }
                    } else {
                        p.yLabel = j == 0 ? names[i] : ""
                        try p.scatter(x: column[j], y: column[i], color: .blue, size: 2.5, opacity: 0.35)
                        if let grid, i < gridDims, j < gridDims, gridDims == 2 {
                            let density = grid.density(j, i), peak = density.joined().max() ?? 1
                            try p.contour(x: grid.axes[j].values, y: grid.axes[i].values, values: density,
                                          levels: [0.1, 0.3, 0.5, 0.7, 0.9].map { $0 * peak })
                        }
                        if let truth, i < truth.count, j < truth.count {
                            try p.scatter(x: [truth[j]], y: [truth[i]], color: .vermillion, marker: .cross, size: 12, opacity: 1)
                        }
                    }
                }
            }
        }
        return fig
    }

    /// Axes, legend, and the data window shaded as interpolation, the rest of `times` as extrapolation.
    static func window(_ panel: inout Panel, times: [Double], data: [Double], yLabel: String) throws {
        let lo = data.min() ?? times.first!, hi = data.max() ?? times.last!
        panel.xLabel = "t"
        panel.yLabel = yLabel
        panel.legend = .outsideRight
        try panel.verticalSpan(from: lo, to: hi, label: "interpolation window", color: .bluishGreen, opacity: 0.07)
        if let end = times.last, end > hi {
            try panel.verticalSpan(from: hi, to: end, label: "extrapolation", color: .orange, opacity: 0.09)
        }
    }

    /// The posterior predictive over MCMC draws: the 90% band of the
    /// trajectory and of a new observation, the median, the data and the
    /// truth, with the observation window marked (as ``predictive(_:data:truth:title:yLabel:width:height:)``).
    public static func predictive(_ p: ODEDrawPredictive, data: (t: [Double], y: [Double]),
                                  truth: (t: [Double], y: [Double])?, title: String, yLabel: String = "x(t)",
                                  width: Double = 1000, height: Double = 420) throws -> Figure {
        guard let lo = p.levels.firstIndex(of: 0.05), let mid = p.levels.firstIndex(of: 0.5),
              let hi = p.levels.firstIndex(of: 0.95) else {
            throw BayesKitError.invalidArgument("the predictive figure needs the 0.05, 0.5 and 0.95 quantiles")
        }
        var fig = Figure(title: title, rows: 1, columns: 1, width: width, height: height)
        try fig.panel(0, 0) { panel in
            try window(&panel, times: p.times, data: data.t, yLabel: yLabel)
            try panel.band(x: p.times, lower: p.observationQuantiles[lo], upper: p.observationQuantiles[hi],
                           label: "90% new observation", color: .skyBlue, opacity: 0.2)
            try panel.band(x: p.times, lower: p.quantiles[lo], upper: p.quantiles[hi], label: "90% trajectory (epistemic)",
                           color: .blue, opacity: 0.35)
            try panel.line(x: p.times, y: p.quantiles[mid], label: "posterior median (\(p.draws) draws)", color: .blue, width: 2)
            if let truth {
                try panel.line(x: truth.t, y: truth.y, label: "true trajectory", color: .black, width: 1.3, dash: .dashed)
            }
            try panel.scatter(x: data.t, y: data.y, label: "observations (n = \(data.t.count))", color: .vermillion,
                              size: 5, edge: .black, opacity: 1)
        }
        return fig
    }
}
