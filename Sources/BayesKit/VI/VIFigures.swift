import Foundation

/// The figures of a variational fit: the ELBO and its two terms over
/// training, and the predictive with bands and function draws.
public enum VIFigures {
    /// Three panels over epochs: the ELBO, the expected log-likelihood and
    /// the KL, each with its running median over 51 epochs (the raw curves
    /// of a few Monte Carlo draws are noisy; a median is not dragged down by
    /// the first epochs' extreme values as a mean would be).
    public static func elbo(_ history: VIHistory, title: String) throws -> Figure {
        var fig = Figure(title: title, rows: 1, columns: 3, width: 1500, height: 420)
        let epochs = (0..<history.epochs).map { Double($0 + 1) }
        let series: [(String, [Double], PlotColor)] = [
            ("ELBO", history.elbo, .blue), ("expected log-likelihood E_q[log p(y | θ)]", history.expectedLogLikelihood, .bluishGreen),
            ("KL(q ‖ p)", history.kl, .vermillion),
        ]
        for (j, (name, values, color)) in series.enumerated() {
            try fig.panel(0, j) { p in
                p.title = name
                p.xLabel = "epoch"
                p.yLabel = j == 0 ? "nats" : ""
                p.legend = .bottomRight
                let finite = values.filter(\.isFinite).sorted()
                if finite.count > 20 {
                    // Keep the first epochs' extreme values from flattening the curve.
                    let lo = finite[finite.count / 50], hi = finite[finite.count - 1 - finite.count / 50]
                    let pad = 0.1 * max(hi - lo, 1e-9)
                    p.yLimits = (lo - pad)...(hi + pad)
                }
                try p.line(x: epochs, y: values, label: "per epoch", color: color, width: 1, opacity: 0.35)
                try p.line(x: epochs, y: runningMedian(values, halfWidth: 25), label: "running median (51 epochs)", color: color,
                           width: 2)
            }
        }
        return fig
    }

    /// The predictive over `grid` (one input, one output): ±2σ total band,
    /// ±2σ epistemic band, `draws` function samples, the mean, the
    /// mean-weights network, the data and the truth when known.
    public static func predictive(_ prediction: VariationalPrediction, x: [Double], y: [Double],
                                  truth: (x: [Double], y: [Double])?, draws: Int = 100, title: String,
                                  yLimits: ClosedRange<Double>? = nil) throws -> Figure {
        var fig = Figure(title: title, rows: 1, columns: 1, width: 900, height: 560)
        try fig.panel(0, 0) { p in
            p.yLimits = yLimits
            try drawPredictive(prediction, x: x, y: y, truth: truth, draws: draws, into: &p)
        }
        return fig
    }

    /// Draws the predictive of ``predictive(_:x:y:truth:draws:title:yLimits:)`` into an existing panel.
    public static func drawPredictive(_ prediction: VariationalPrediction, x: [Double], y: [Double],
                                      truth: (x: [Double], y: [Double])?, draws: Int = 100, into p: inout Panel) throws {
        let grid = prediction.inputs.column(0), mean = prediction.mean.values
        p.xLabel = "x"
        p.yLabel = "y"
        p.legend = .topLeft
        try p.band(x: grid, mean: mean, sd: prediction.totalSD.values, k: 2, label: "±2σ predictive (total)",
                   color: .skyBlue, opacity: 0.25)
        try p.band(x: grid, mean: mean, sd: prediction.epistemicSD.values, k: 2, label: "±2σ epistemic",
                   color: .blue, opacity: 0.25)
        if let samples = prediction.functionSamples, draws > 0 {
            try p.lines(x: grid, ys: samples.prefix(draws).map(\.values), label: "\(min(draws, samples.count)) draws from q",
                        color: .blue, width: 0.7, opacity: 0.15)
        }
        try p.line(x: grid, y: mean, label: "predictive mean", color: .blue, width: 2.2)
        try p.line(x: grid, y: prediction.meanWeights.values, label: "network at the mean weights", color: .orange,
                   width: 1.5, dash: .dashed)
        if let truth { try p.line(x: truth.x, y: truth.y, label: "truth", color: .black, width: 1.5, dash: .dotted) }
        try p.scatter(x: x, y: y, label: "data (n = \(x.count))", color: .vermillion, size: 7, edge: .black, opacity: 1)
    }

    /// Centred running median over `2 halfWidth + 1` values (fewer at the ends).
    static func runningMedian(_ v: [Double], halfWidth: Int) -> [Double] {
        v.indices.map { i in
            let w = v[max(i - halfWidth, 0)...min(i + halfWidth, v.count - 1)].sorted()
            return w.count % 2 == 1 ? w[w.count / 2] : 0.5 * (w[w.count / 2 - 1] + w[w.count / 2])
        }
    }
}
