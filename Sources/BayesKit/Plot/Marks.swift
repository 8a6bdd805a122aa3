/// Lines, points, bands, reference lines and annotations.
extension Panel {
    /// A line through `(x[i], y[i])`; a non-finite value breaks it.
    public mutating func line(x: [Double], y: [Double], label: String? = nil, color: PlotColor? = nil,
                              width: Double = 2, dash: LineDash = .solid, opacity: Double = 1) throws {
        try requireSameCount("line", "x", x.count, "y", y.count)
        try requirePositiveParameter(width, "line width")
        try requireOpacity(opacity, "line opacity")
        let stroke = Stroke(color: takeColor(color), width: width, dash: dash, opacity: opacity)
        try add(MarkItem(name: "line", mark: .lines(x: x, ys: [y], stroke: stroke)), legend: label, swatch: .line(stroke))
    }

    /// Many thin curves over the same `x`, e.g. functions drawn from a
    /// posterior: one colour, partly transparent, one legend entry.
    public mutating func lines(x: [Double], ys: [[Double]], label: String? = nil, color: PlotColor? = nil,
                               width: Double = 1, opacity: Double = 0.3, dash: LineDash = .solid) throws {
        for (k, y) in ys.enumerated() { try requireSameCount("lines", "x", x.count, "ys[\(k)]", y.count) }
        try requirePositiveParameter(width, "line width")
        try requireOpacity(opacity, "line opacity")
        let stroke = Stroke(color: takeColor(color), width: width, dash: dash, opacity: opacity)
        var swatch = stroke
        swatch.opacity = max(opacity, 0.6)
        try add(MarkItem(name: "lines", mark: .lines(x: x, ys: ys, stroke: stroke)), legend: label, swatch: .line(swatch))
    }

    /// Points at `(x[i], y[i])`; points with a non-finite coordinate are skipped.
    /// `size` is the marker diameter in px; `edge` outlines each marker.
    public mutating func scatter(x: [Double], y: [Double], label: String? = nil, color: PlotColor? = nil,
                                 marker: PlotMarker = .circle, size: Double = 6, edge: PlotColor? = nil,
                                 opacity: Double = 0.9) throws {
        try requireSameCount("scatter", "x", x.count, "y", y.count)
        try requirePositiveParameter(size, "marker size")
        try requireOpacity(opacity, "marker opacity")
        let fill = takeColor(color)
        try add(MarkItem(name: "scatter", mark: .scatter(x: x, y: y, marker: marker, size: size, fill: fill,
                                                         edge: edge, opacity: opacity)),
                legend: label, swatch: .marker(marker, size: size, fill: fill, edge: edge, opacity: opacity))
    }

    /// A shaded region between `lower[i]` and `upper[i]` over `x[i]`, e.g. a
    /// credible or predictive interval. Non-finite values split the region.
    public mutating func band(x: [Double], lower: [Double], upper: [Double], label: String? = nil,
                              color: PlotColor? = nil, opacity: Double = 0.25) throws {
        try requireSameCount("band", "x", x.count, "lower", lower.count)
        try requireSameCount("band", "x", x.count, "upper", upper.count)
        try requireOpacity(opacity, "band opacity")
        let fill = takeColor(color)
        try add(MarkItem(name: "band", mark: .band(along: x, lower: lower, upper: upper, horizontal: false,
                                                   fill: fill, opacity: opacity)),
                legend: label, swatch: .patch(fill, opacity: opacity))
    }

    /// A shaded region between `left[i]` and `right[i]` at height `y[i]`
    /// (a band lying on its side, e.g. a density drawn along the y axis).
    public mutating func band(y: [Double], left: [Double], right: [Double], label: String? = nil,
                              color: PlotColor? = nil, opacity: Double = 0.25) throws {
        try requireSameCount("band", "y", y.count, "left", left.count)
        try requireSameCount("band", "y", y.count, "right", right.count)
        try requireOpacity(opacity, "band opacity")
        let fill = takeColor(color)
        try add(MarkItem(name: "band", mark: .band(along: y, lower: left, upper: right, horizontal: true,
                                                   fill: fill, opacity: opacity)),
                legend: label, swatch: .patch(fill, opacity: opacity))
    }

    /// The band `mean ± k·sd` (k = 2 covers about 95% of a normal).
    /// The default label is "±kσ".
    public mutating func band(x: [Double], mean: [Double], sd: [Double], k: Double = 2, label: String? = nil,
                              color: PlotColor? = nil, opacity: Double = 0.25) throws {
        try requireSameCount("band", "mean", mean.count, "sd", sd.count)
        try requirePositiveParameter(k, "band width k")
        let lower = zip(mean, sd).map { $0 - k * $1 }
        let upper = zip(mean, sd).map { $0 + k * $1 }
        try band(x: x, lower: lower, upper: upper, label: label ?? "±\(Self.compact(k))σ", color: color, opacity: opacity)
    }

    /// A predictive summary in one call: bands `mean ± k·sd` for every `k` in
    /// `sigmas` (widest first, lighter), then the mean line, all in one colour.
    public mutating func predictive(x: [Double], mean: [Double], sd: [Double], sigmas: [Double] = [2, 1],
                                    label: String = "mean", color: PlotColor? = nil) throws {
        try requireSameCount("predictive", "x", x.count, "mean", mean.count)
        try requireSameCount("predictive", "x", x.count, "sd", sd.count)
        let c = takeColor(color)
        var copy = self
        for k in sigmas.sorted(by: >) {
            try copy.band(x: x, mean: mean, sd: sd, k: k, color: c, opacity: 0.18)
        }
        try copy.line(x: x, y: mean, label: label, color: c)
        self = copy
    }

    /// Vertical error bars from `lower[i]` to `upper[i]` at `x[i]`, with caps.
    public mutating func errorBars(x: [Double], lower: [Double], upper: [Double], color: PlotColor = .gray(0.15),
                                   width: Double = 1.2) throws {
        try requireSameCount("error bars", "x", x.count, "lower", lower.count)
        try requireSameCount("error bars", "x", x.count, "upper", upper.count)
        try requirePositiveParameter(width, "error bar width")
        try add(MarkItem(name: "error bars", mark: .errorBars(x: x, lower: lower, upper: upper,
                                                              stroke: Stroke(color: color, width: width))),
                legend: nil, swatch: .line(Stroke(color: color, width: width)))
    }

    /// A horizontal line across the panel at `y`.
    public mutating func horizontalLine(y: Double, label: String? = nil, color: PlotColor = .gray(0.3),
                                        width: Double = 1.2, dash: LineDash = .dashed) throws {
        guard y.isFinite else { throw BayesKitError.invalidArgument("horizontal line y must be finite, got \(y)") }
        let stroke = Stroke(color: color, width: width, dash: dash)
        try add(MarkItem(name: "horizontal line", mark: .hline(y, stroke)), legend: label, swatch: .line(stroke))
    }

    /// A vertical line across the panel at `x`.
    public mutating func verticalLine(x: Double, label: String? = nil, color: PlotColor = .gray(0.3),
                                      width: Double = 1.2, dash: LineDash = .dashed) throws {
        guard x.isFinite else { throw BayesKitError.invalidArgument("vertical line x must be finite, got \(x)") }
        let stroke = Stroke(color: color, width: width, dash: dash)
        try add(MarkItem(name: "vertical line", mark: .vline(x, stroke)), legend: label, swatch: .line(stroke))
    }

    /// A shaded full-height strip from `x = from` to `x = to`, e.g. the
    /// window where training data lie (interpolation vs extrapolation).
    public mutating func verticalSpan(from: Double, to: Double, label: String? = nil,
                                      color: PlotColor = .gray(0.5), opacity: Double = 0.12) throws {
        guard from.isFinite, to.isFinite, from < to else {
            throw BayesKitError.invalidArgument("vertical span needs finite from < to, got \(from) ... \(to)")
        }
        try requireOpacity(opacity, "span opacity")
        try add(MarkItem(name: "vertical span", mark: .vspan(from, to, fill: color, opacity: opacity)),
                legend: label, swatch: .patch(color, opacity: opacity))
    }

    /// A shaded full-width strip from `y = from` to `y = to`.
    public mutating func horizontalSpan(from: Double, to: Double, label: String? = nil,
                                        color: PlotColor = .gray(0.5), opacity: Double = 0.12) throws {
        guard from.isFinite, to.isFinite, from < to else {
            throw BayesKitError.invalidArgument("horizontal span needs finite from < to, got \(from) ... \(to)")
        }
        try requireOpacity(opacity, "span opacity")
        try add(MarkItem(name: "horizontal span", mark: .hspan(from, to, fill: color, opacity: opacity)),
                legend: label, swatch: .patch(color, opacity: opacity))
    }

    /// Text at the data point `(x, y)`; `anchor` aligns it horizontally there.
    public mutating func text(_ text: String, x: Double, y: Double, size: Double = 12,
                              color: PlotColor = .gray(0.1), anchor: TextAnchor = .start) throws {
        guard x.isFinite, y.isFinite else {
            throw BayesKitError.invalidArgument("text position must be finite, got (\(x), \(y))")
        }
        try requirePositiveParameter(size, "text size")
        try add(MarkItem(name: "text", mark: .text(text, x: x, y: y, size: size, color: color, anchor: anchor, halo: nil)),
                legend: nil, swatch: .patch(color, opacity: 1))
    }

    /// `2` for 2.0, `1.5` for 1.5: for labels.
    static func compact(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}
