import BayesKit
import Foundation
import Testing

@Suite struct PlotAxes {
    @Test func niceTicksForKnownRanges() {
        let unit = AxisTicks.linear(lower: 0, upper: 1)
        #expect(unit.major.count == 6)
        for (t, want) in zip(unit.major, [0, 0.2, 0.4, 0.6, 0.8, 1.0]) { #expect(abs(t - want) < 1e-12) }
        #expect(unit.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let symmetric = AxisTicks.linear(lower: -3, upper: 3)
        #expect(symmetric.major == [-3, -2, -1, 0, 1, 2, 3])
        #expect(symmetric.labels == ["-3", "-2", "-1", "0", "1", "2", "3"])
        #expect(AxisTicks.linear(lower: 0, upper: 100).major == [0, 20, 40, 60, 80, 100])
        #expect(AxisTicks.linear(lower: 0.13, upper: 0.87, target: 5).labels == ["0.2", "0.4", "0.6", "0.8"])
        #expect(AxisTicks.linear(lower: 1, upper: 1).major.isEmpty)
    }

    @Test func logTicksArePowersOfTen() {
        let t = AxisTicks.log10(lower: 0.01, upper: 1000)
        #expect(t.major == [0.01, 0.1, 1, 10, 100, 1000])
        #expect(t.labels == ["0.01", "0.1", "1", "10", "100", "1000"])
        #expect(t.minor.contains(20) && t.minor.contains(0.05) && !t.minor.contains(10))
        let wide = AxisTicks.log10(lower: 1e-6, upper: 1e6)
        #expect(wide.major.allSatisfy { abs(log10($0) - log10($0).rounded()) < 1e-12 })
        #expect(wide.labels.first == "10⁻⁶" && wide.labels.last == "10⁶")
        // Less than two decades: 1-2-5 multiples join the powers of ten.
        #expect(AxisTicks.log10(lower: 3, upper: 30).major == [5, 10, 20])
    }

    @Test func logAxisPlacesTicksAtPowersOfTenEquallySpaced() throws {
        var fig = Figure()
        try fig.panel { p in
            p.xScale = .log10
            p.yScale = .log10
            try p.line(x: [1e-3, 1e3], y: [1, 1e4])
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.isWellFormed)
        let labels = doc.texts("x")
        #expect(labels == ["0.001", "0.01", "0.1", "1", "10", "100", "1000"])
        let xs = doc.all("text", in: "x").filter { $0.attributes["class"]?.contains("tick-label") == true }
            .compactMap { Double($0.attributes["x"]!) }
        let gaps = zip(xs.dropFirst(), xs).map { $0 - $1 }
        #expect(gaps.count == 6)
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.02 })
        #expect(doc.texts("y") == ["10⁰", "10¹", "10²", "10³", "10⁴"])
    }
}

@Suite struct PlotMarks {
    @Test func lineBreaksAtNonFiniteValuesAndWritesNoNaN() throws {
        var fig = Figure(title: "gaps")
        try fig.panel { p in
            try p.line(x: [0, 1, 2, 3, 4, 5], y: [0, 1, .nan, 3, 4, .infinity], label: "y")
            try p.scatter(x: [0, .nan, 2], y: [1, 2, 3])
        }
        let (svg, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.isWellFormed)
        #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
        let lines = doc.all("path", in: "line")
        #expect(lines.count == 1)
        // Two runs: (0,1) and (3,4).
        #expect(lines[0].attributes["d"]!.filter { $0 == "M" }.count == 2)
        #expect(doc.count("circle", in: "scatter") == 2)
        #expect(svg.contains("viewBox=\"0 0 640 460\""))
    }

    @Test func manyFunctionSamplesShareOneLegendEntry() throws {
        let xs = PlotTestSupport.grid(0, 1, 20)
        let ys = (0..<50).map { k in xs.map { sin($0 * 6 + Double(k) / 10) } }
        var fig = Figure()
        try fig.panel { p in
            try p.lines(x: xs, ys: ys, label: "posterior samples", opacity: 0.2)
            try p.line(x: xs, y: xs, label: "truth", color: .black)
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.count("path", in: "line") == 51)
        #expect(doc.texts("legend-label") == ["posterior samples", "truth"])
        #expect(doc.all("path", in: "line").first?.attributes["stroke-opacity"] == "0.2")
    }

    @Test func scatterMarkersAndLegend() throws {
        var fig = Figure()
        try fig.panel { p in
            try p.scatter(x: [1, 2, 3], y: [1, 4, 9], label: "circles")
            try p.scatter(x: [1, 2], y: [2, 3], label: "squares", marker: .square, edge: .black)
            try p.scatter(x: [1, 2, 3, 4], y: [0, 0, 1, 1], label: "triangles", marker: .triangle)
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        let groups = doc.all("g").filter { $0.attributes["class"] == "mark scatter" }
        #expect(groups.count == 3)
        #expect(groups.map(\.attributes["fill"]) == [PlotColor.blue.svg, PlotColor.orange.svg, PlotColor.bluishGreen.svg])
        #expect(doc.count("circle", in: "marks") == 3)
        #expect(doc.count("rect", in: "scatter") == 2)
        #expect(doc.count("path", in: "scatter") == 4)
        #expect(doc.texts("legend-label") == ["circles", "squares", "triangles"])
    }

    @Test func bandsAndPredictiveSummary() throws {
        let xs = PlotTestSupport.grid(-1, 1, 30)
        let mean = xs.map { $0 * $0 }, sd = xs.map { 0.1 + abs($0) / 5 }
        var fig = Figure()
        try fig.panel { p in
            try p.predictive(x: xs, mean: mean, sd: sd)
            try p.band(x: xs, mean: mean, sd: sd, k: 3, color: .gray(0.5))
            try p.band(x: xs, lower: xs.map { $0 - 1 }, upper: xs.map { $0 + 1 }, label: "manual")
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.count("path", in: "band") == 4)
        #expect(doc.count("path", in: "line") == 1)
        #expect(doc.texts("legend-label") == ["±2σ", "±1σ", "mean", "±3σ", "manual"])
        // Each band is one closed polygon of 2 × 30 vertices.
        let d = doc.all("path", in: "band")[0].attributes["d"]!
        #expect(d.hasPrefix("M") && d.hasSuffix("Z") && d.filter { $0 == "L" }.count == 59)
    }

    @Test func histogramCountsDensityAndKDE() throws {
        let values = [0, 0.5, 1, 1.5, 2, 2.5, 3, .nan]
        #expect(try Plot.histogram(values, edges: [0, 1, 2, 3]) == [2, 2, 3])
        let density = try Plot.histogram(values, edges: [0, 1, 2, 3], density: true)
        #expect(abs(density.reduce(0, +) - 1) < 1e-12)
        #expect(try Plot.binEdges([5, 5], bins: 2) == [4.5, 5, 5.5])
        var fig = Figure()
        try fig.panel { p in
            try p.histogram(values, edges: [0, 1, 2, 3], density: true, kde: true, label: "draws")
            try p.histogram(counts: [0, 4, 1], edges: [0, 1, 2, 3], label: "precomputed")
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        // 3 + 2 bars: the empty bin draws nothing.
        #expect(doc.count("rect", in: "bars") == 5)
        #expect(doc.count("path", in: "line") == 1)
        #expect(doc.texts("legend-label") == ["draws", "precomputed"])
    }

    @Test func barChartWithErrorBarsAndCategoryTicks() throws {
        var fig = Figure()
        try fig.panel { p in
            try p.bars(categories: ["HMC", "VI", "SWAG & co"], series: [
                BarSeries(label: "RMSE", values: [0.5, 0.7, 0.6], errors: [0.05, 0.1, 0.02]),
                BarSeries(label: "NLL", values: [1.1, -0.4, 0.9]),
            ])
        }
        let (svg, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.count("rect", in: "bars") == 6)
        #expect(doc.count("path", in: "error-bars") == 1)
        #expect(doc.texts("x") == ["HMC", "VI", "SWAG & co"])
        #expect(svg.contains("SWAG &amp; co"))
        #expect(doc.texts("legend-label") == ["RMSE", "NLL"])
    }

    @Test func referenceLinesSpansAndEscapedText() throws {
        var fig = Figure(title: "a < b & c")
        try fig.panel { p in
            p.title = "\"quoted\" & 'single'"
            p.xLabel = "x <i>"
            try p.line(x: [0, 10], y: [0, 1])
            try p.verticalSpan(from: 2, to: 4, label: "training window")
            try p.verticalLine(x: 5)
            try p.horizontalLine(y: 0.5, label: "y = ½")
            try p.text("a < b & c", x: 1, y: 0.9)
        }
        let (svg, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.isWellFormed)
        #expect(svg.contains("a &lt; b &amp; c"))
        #expect(doc.texts("annotation") == ["a < b & c"])
        #expect(doc.texts("panel-title") == ["\"quoted\" & 'single'"])
        #expect(doc.all("text").first?.text == "a < b & c")
        #expect(doc.count("rect", in: "span") == 1)
        #expect(doc.count("path", in: "reference-line") == 2)
        #expect(doc.texts("legend-label") == ["training window", "y = ½"])
    }

    @Test func autoLegendAvoidsTheData() throws {
        var fig = Figure()
        try fig.panel { p in
            // Data crowd the top right and bottom left; the legend should take another corner.
            try p.scatter(x: [0, 0.05, 0.1, 0.9, 0.95, 1], y: [0, 0.05, 0.1, 0.9, 0.95, 1], label: "data")
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        let box = doc.all("rect", in: "legend").first!
        let area = doc.all("rect").first { $0.attributes["class"] == "plot-area" }!
        let boxX = Double(box.attributes["x"]!)!, boxY = Double(box.attributes["y"]!)!
        let midX = Double(area.attributes["x"]!)! + Double(area.attributes["width"]!)! / 2
        let midY = Double(area.attributes["y"]!)! + Double(area.attributes["height"]!)! / 2
        // Top left: left of the centre and above it.
        #expect(boxX < midX && boxY < midY)
    }

    @Test func emptyPanelDrawsAxesOnly() throws {
        var fig = Figure(rows: 1, columns: 2)
        try fig.panel(0, 1) { p in p.xLabel = "x" }
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.isWellFormed)
        #expect(doc.count(in: "marks") == 2)  // the two empty groups
        #expect(doc.count("g", in: "legend") == 0)
        #expect(doc.texts("x").count >= 6 && doc.count("path", in: "axis") == 2)
    }

    @Test func traceAndAutocorrelation() throws {
        let alternating = (0..<10).map { $0 % 2 == 0 ? 1.0 : -1.0 }
        let acf = try Plot.autocorrelation(alternating, maxLag: 3)
        #expect(abs(acf[0] - 1) < 1e-12 && abs(acf[1] + 0.9) < 1e-12 && abs(acf[2] - 0.8) < 1e-12)
        var fig = Figure(rows: 1, columns: 2)
        try fig.panel(0, 0) { p in try p.trace(chains: [[1, 2, 3], [2, 3, 1], [3, 1, 2]]) }
        try fig.panel(0, 1) { p in try p.autocorrelation(acf, sampleSize: 10, label: "θ") }
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.count("path", in: "line") == 3)
        #expect(doc.texts("legend-label") == ["chain 0", "chain 1", "chain 2", "±1.96/√n", "θ"])
        let stems = doc.all("path", in: "stems")
        #expect(stems.count == 1 && stems[0].attributes["d"]!.filter { $0 == "M" }.count == 4)
        #expect(doc.count("circle", in: "scatter") == 4)
    }

    @Test func reliabilityDiagramFigure() throws {
        let fig = try Figure.reliabilityDiagram(confidence: [0.1, .nan, 0.55, 0.8], frequency: [0.2, .nan, 0.5, 0.7],
                                                counts: [10, 0, 40, 30], lower: 0)
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.texts("legend-label") == ["perfectly calibrated", "model"])
        #expect(doc.count("circle", in: "scatter") == 3)
        #expect(doc.count("rect", in: "bars") == 3)
        #expect(doc.count("g", in: "panel") >= 2)
    }
}

@Suite struct PlotGrids {
    /// f = x² + y² on [-2, 2]², contour at r = 1.33: every endpoint lies on
    /// the circle to within the linear-interpolation error of one grid step.
    @Test func contourOfACircle() throws {
        let g = PlotTestSupport.grid(-2, 2, 41)
        let values = g.map { y in g.map { x in x * x + y * y } }
        let r = 1.33
        let segments = try Plot.contourSegments(x: g, y: g, values: values, level: r * r)
        #expect(segments.count > 40)
        let h = g[1] - g[0]
        for s in segments {
            for (x, y) in [(s.x0, s.y0), (s.x1, s.y1)] { #expect(abs((x * x + y * y).squareRoot() - r) < h * h) }
        }
        // A closed curve: every endpoint is shared by exactly two segments.
        var ends: [String: Int] = [:]
        for s in segments {
            for p in [(s.x0, s.y0), (s.x1, s.y1)] { ends[String(format: "%.9f,%.9f", p.0, p.1), default: 0] += 1 }
        }
        #expect(ends.values.allSatisfy { $0 == 2 })
        var fig = Figure()
        try fig.panel { p in try p.contour(x: g, y: g, values: values, levels: [1, 2], labels: true) }
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.count("path", in: "contour") == 1)
        #expect(doc.texts("annotation") == ["1", "2"])
    }

    @Test func heatmapPutsLowYAtTheBottom() throws {
        var fig = Figure()
        try fig.panel { p in
            // Row 0 (y = 0) is low, row 1 (y = 1) is high.
            try p.heatmap(x: [0, 1, 2], y: [0, 1], values: [[0, 0, 0], [1, 1, 1]], colorbarLabel: "density")
        }
        let (_, doc) = try PlotTestSupport.parse(fig)
        let cells = doc.all("rect", in: "heatmap")
        #expect(cells.count == 2)  // equal neighbours along a row merge
        let low = cells.first { $0.attributes["fill"] == Colormap.viridis.color(at: 0).svg }
        let high = cells.first { $0.attributes["fill"] == Colormap.viridis.color(at: 1).svg }
        #expect(Double(low!.attributes["y"]!)! > Double(high!.attributes["y"]!)!)
        #expect(doc.count("rect", in: "colorbar") == 1 && doc.texts("colorbar").contains("density"))
        #expect(doc.count("stop") == 11)
    }

    @Test func heatmapWithMarginalsLinesUpAxes() throws {
        let g = PlotTestSupport.grid(-3, 3, 31)
        let values = g.map { y in g.map { x in exp(-(x * x + 2 * y * y) / 2) } }
        let fig = try Figure.heatmapWithMarginals(x: g, y: g, values: values, xLabel: "ζ", yLabel: "ω",
                                                  contourLevels: [0.2, 0.5])
        let (_, doc) = try PlotTestSupport.parse(fig)
        #expect(doc.isWellFormed)
        let areas = doc.all("rect").filter { $0.attributes["class"] == "plot-area" }
        #expect(areas.count == 3)
        #expect(areas[0].attributes["x"] == areas[1].attributes["x"] && areas[0].attributes["width"] == areas[1].attributes["width"])
        #expect(areas[1].attributes["y"] == areas[2].attributes["y"] && areas[1].attributes["height"] == areas[2].attributes["height"])
    }
}

@Suite struct PlotErrors {
    @Test func badInputNamesTheProblem() throws {
        var p = Panel()
        let x = [Double](repeating: 1, count: 200)
        #expect(throws: BayesKitError.dimensionMismatch("line x has 200 values but y has 199")) {
            try p.line(x: x, y: Array(x.dropLast()))
        }
        #expect(throws: BayesKitError.dimensionMismatch("band x has 3 values but upper has 2")) {
            try p.band(x: [1, 2, 3], lower: [0, 0, 0], upper: [1, 1])
        }
        #expect(throws: BayesKitError.invalidArgument("histogram needs at least 1 bin, got 0")) {
            try p.histogram([1, 2, 3], bins: 0)
        }
        #expect(throws: BayesKitError.invalidArgument(
            "histogram bin edges must be finite and strictly increasing; edge 2 is 1.0 after 2.0")) {
            try p.histogram([1, 2, 3], edges: [0, 2, 1])
        }
        #expect(throws: BayesKitError.invalidArgument("histogram needs at least one finite value, got none of 1")) {
            try p.histogram([.nan])
        }
        #expect(throws: BayesKitError.dimensionMismatch("heatmap values row 1 has 1 values but x has 2")) {
            try p.heatmap(x: [0, 1], y: [0, 1], values: [[0, 1], [1]])
        }
        p.yScale = .log10
        #expect(throws: BayesKitError.invalidArgument(
            "scatter y has a non-positive value (-1.0) at index 1, but the y axis is log10")) {
            try p.scatter(x: [1, 2], y: [1, -1])
        }
        #expect(p.isEmpty)  // failed calls leave the panel unchanged
    }

    @Test func renderTimeAndFigureErrors() throws {
        var fig = Figure(rows: 1, columns: 1)
        try fig.panel { p in try p.line(x: [0, 1], y: [0, 1]) }
        #expect(throws: BayesKitError.invalidArgument("panel (1, 0) is outside the figure's 1 x 1 grid")) {
            try fig.panel(1, 0) { _ in }
        }
        // A log axis chosen after the data were added is checked when rendering.
        try fig.panel { p in p.xScale = .log10 }
        #expect(throws: BayesKitError.invalidArgument("line x has a non-positive value (0.0) at index 0, but the x axis is log10")) {
            try fig.svgString()
        }
        try fig.panel { p in p.xScale = .linear; p.yLimits = 1...1 }
        #expect(throws: BayesKitError.invalidArgument("y limits must be finite with lower < upper, got 1.0 ... 1.0")) {
            try fig.svgString()
        }
        #expect(throws: BayesKitError.invalidArgument("a figure needs at least 1 row and 1 column, got 0 x 2")) {
            try Figure(rows: 0, columns: 2).svgString()
        }
        let missing = URL(fileURLWithPath: "/nonexistent-folder/figure.svg")
        #expect(throws: BayesKitError.self) { try Figure().write(to: missing) }
        do {
            try Figure().write(to: missing)
        } catch let error as BayesKitError {
            #expect(error.code == .io && error.message.contains("/nonexistent-folder/figure.svg"))
        }
    }
}
