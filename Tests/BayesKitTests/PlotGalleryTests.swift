import BayesKit
import Foundation
import Testing

/// Writes one figure of every kind to `.build/figures/` (rendered to PNG by
/// `scripts/figures-check.sh`) and checks each is well-formed SVG.
@Suite struct PlotGallery {
    func save(_ fig: Figure, _ name: String) throws {
        let url = try PlotTestSupport.figuresFolder().appendingPathComponent(name)
        try fig.write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        let doc = ParsedSVG(text)
        #expect(doc.isWellFormed, "\(name): \(doc.parseError ?? "")")
        #expect(!text.lowercased().contains("nan"))
    }

    @Test func regressionFigure() throws {
        let rng = try RandomStream(seed: 1, stream: 0)
        let xTrain = try rng.uniforms(30).map { $0 * 4 - 2 }
        let noise = try rng.normals(30, sd: 0.2)
        let yTrain = zip(xTrain, noise).map { sin(2 * $0) + $1 }
        let xs = PlotTestSupport.grid(-4, 4, 200)
        let mean = xs.map { sin(2 * $0) * exp(-max(0, abs($0) - 2)) }
        let sd = xs.map { 0.2 + 0.3 * max(0, abs($0) - 2) }
        let samples = try (0..<50).map { _ in
            let a = try rng.normals(3, sd: 0.3)
            return xs.map { sin(2 * $0 + a[0]) * (1 + a[1]) + a[2] * max(0, abs($0) - 2) }
        }
        var fig = Figure(title: "Bayesian linear regression & friends", rows: 1, columns: 2)
        try fig.panel(0, 0) { p in
            p.title = "Posterior predictive"
            p.xLabel = "x"
            p.yLabel = "y"
            try p.verticalSpan(from: -2, to: 2, label: "training window")
            try p.predictive(x: xs, mean: mean, sd: sd)
            try p.scatter(x: xTrain, y: yTrain, label: "data", color: .black, size: 5)
        }
        try fig.panel(0, 1) { p in
            p.title = "50 posterior function samples"
            p.xLabel = "x"
            try p.lines(x: xs, ys: samples, label: "samples", opacity: 0.25)
            try p.line(x: xs, y: xs.map { sin(2 * $0) }, label: "truth", color: .black, dash: .dashed)
            try p.verticalLine(x: 2)
            try p.text("extrapolation →", x: 2.1, y: 2.2)
        }
        try save(fig, "plot-regression.svg")
    }

    @Test func edgeCaseFigure() throws {
        var fig = Figure(title: "Edge cases: empty panel, gaps, clipping <&>", rows: 1, columns: 3)
        try fig.panel(0, 0) { p in p.title = "empty"; p.xLabel = "x"; p.yLabel = "y" }
        try fig.panel(0, 1) { p in
            p.title = "non-finite values break lines"
            let xs = PlotTestSupport.grid(0, 10, 101)
            try p.line(x: xs, y: xs.map { $0 > 4 && $0 < 5 ? .nan : sin($0) }, label: "sin with a gap")
            try p.band(x: xs, lower: xs.map { $0 > 7 && $0 < 8 ? .nan : sin($0) - 0.3 },
                       upper: xs.map { sin($0) + 0.3 }, label: "band with a gap")
        }
        try fig.panel(0, 2) { p in
            p.title = "fixed limits clip"
            p.xLimits = 0...1
            p.yLimits = -0.5...0.5
            p.legend = .outsideRight
            try p.line(x: [-1, 2], y: [-2, 2], label: "steep")
            try p.scatter(x: [0.5, 5], y: [0, 0], label: "pts")
        }
        try save(fig, "plot-edge-cases.svg")
    }

    @Test func densityFigures() throws {
        let rng = try RandomStream(seed: 2, stream: 0)
        let draws = try rng.normals(2000, mean: 0.5, sd: 0.8)
        let g = PlotTestSupport.grid(-3, 3, 61)
        let gy = PlotTestSupport.grid(-2, 4, 81)
        let values = gy.map { y in g.map { x in exp(-((x - 0.5) * (x - 0.5) + (y - 1) * (y - 1) - 0.9 * (x - 0.5) * (y - 1)) / 1.2) } }
        var fig = Figure(title: "Weights", rows: 1, columns: 2)
        try fig.panel(0, 0) { p in
            p.title = "Histogram with KDE"
            p.xLabel = "w"
            p.yLabel = "density"
            try p.histogram(draws, bins: 40, density: true, kde: true, label: "draws")
        }
        try fig.panel(0, 1) { p in
            p.title = "Posterior density (low y at bottom)"
            p.xLabel = "w₁"
            p.yLabel = "w₂"
            try p.heatmap(x: g, y: gy, values: values, colorbarLabel: "density")
            try p.contour(x: g, y: gy, values: values, levels: [0.1, 0.3, 0.6, 0.9], labels: true)
            try p.scatter(x: [0.5], y: [1], label: "mode", color: .vermillion, marker: .cross, size: 10)
        }
        try save(fig, "plot-density.svg")
        let marginals = try Figure.heatmapWithMarginals(title: "Grid posterior over (ζ, ω)", x: g, y: gy, values: values,
                                                        xLabel: "ζ", yLabel: "ω", contourLevels: [0.2, 0.5, 0.8])
        try save(marginals, "plot-marginals.svg")
    }

    @Test func diagnosticsFigures() throws {
        let rng = try RandomStream(seed: 3, stream: 0)
        var chains: [[[Double]]] = []
        for c in 0..<4 {
            var x = Double(c) - 1.5, y = 0.0
            var chain: [[Double]] = []
            for _ in 0..<500 {
                x = 0.9 * x + 0.3 * rng.normal()
                y = 0.5 * y + rng.normal()
                chain.append([x, exp(y / 3)])
            }
            chains.append(chain)
        }
        try save(try Figure.traces(title: "MCMC traces", names: ["θ", "σ"], draws: chains), "plot-traces.svg")

        let acf = try Plot.autocorrelation(chains[0].map { $0[0] }, maxLag: 40)
        var fig = Figure(title: "Diagnostics", rows: 2, columns: 2)
        try fig.panel(0, 0) { p in
            p.title = "Autocorrelation"
            try p.autocorrelation(acf, sampleSize: 500, label: "θ, chain 0")
        }
        try fig.panel(0, 1) { p in
            p.title = "ELBO"
            p.xLabel = "epoch"
            p.yLabel = "ELBO"
            let epochs = (1...300).map(Double.init)
            try p.line(x: epochs, y: epochs.map { -500 * exp(-$0 / 40) - 120 + 3 * sin($0) }, label: "ELBO")
        }
        try fig.panel(1, 0) { p in
            p.title = "Learning curve (log–log)"
            p.xScale = .log10
            p.yScale = .log10
            p.xLabel = "training set size"
            p.yLabel = "RMSE"
            let n = [10.0, 30, 100, 300, 1000, 3000, 10000]
            try p.line(x: n, y: n.map { 2 / $0.squareRoot() + 0.01 }, label: "BNN")
            try p.scatter(x: n, y: n.map { 2 / $0.squareRoot() + 0.01 })
            try p.line(x: n, y: n.map { 1 / pow($0, 0.3) }, label: "linear", dash: .dashDot)
        }
        try fig.panel(1, 1) { p in
            p.title = "Method comparison"
            p.yLabel = "test RMSE"
            try p.bars(categories: ["HMC", "MFVI", "MC dropout", "Ensemble", "SWAG"], series: [
                BarSeries(label: "boston", values: [2.9, 3.4, 3.1, 3.0, 3.2], errors: [0.2, 0.25, 0.2, 0.15, 0.3]),
                BarSeries(label: "concrete", values: [4.8, 5.5, 5.0, 4.9, 5.3], errors: [0.3, 0.2, 0.4, 0.3, 0.2]),
            ])
        }
        try save(fig, "plot-diagnostics.svg")

        let reliability = try Figure.reliabilityDiagram(
            title: "Calibration", confidence: [0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, .nan],
            frequency: [0.1, 0.2, 0.3, 0.38, 0.5, 0.58, 0.66, 0.8, 0.9, .nan],
            counts: [5, 10, 20, 35, 60, 80, 120, 200, 470, 0], label: "MC dropout")
        try save(reliability, "plot-reliability.svg")
    }
}
