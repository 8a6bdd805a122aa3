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
        let lo = data.t.min() ?? p.times.first!, hi = data.t.max() ?? p.times.last!
        try fig.panel(0, 0) { panel in
            panel.xLabel = "t"
            panel.yLabel = yLabel
            panel.legend = .outsideRight
            try panel.verticalSpan(from: lo, to: hi, label: "interpolation window", color: .bluishGreen, opacity: 0.07)
            if let end = p.times.last, end > hi {
                try panel.verticalSpan(from: hi, to: end, label: "extrapolation", color: .orange, opacity: 0.09)
            }
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
}
