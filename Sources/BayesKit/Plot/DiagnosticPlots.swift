import Foundation

extension Plot {
    /// The sample autocorrelation of `x` at lags `0...maxLag`:
    /// `ρₖ = Σₜ (xₜ − x̄)(xₜ₊ₖ − x̄) / Σₜ (xₜ − x̄)²`, the biased estimator
    /// (divides by n at every lag), so ρ₀ = 1 and the sequence is positive definite.
    public static func autocorrelation(_ x: [Double], maxLag: Int) throws -> [Double] {
        guard x.count >= 2 else {
            throw BayesKitError.invalidArgument("autocorrelation needs at least 2 values, got \(x.count)")
        }
        guard maxLag >= 0, maxLag < x.count else {
            throw BayesKitError.invalidArgument("autocorrelation maxLag must be in 0...\(x.count - 1), got \(maxLag)")
        }
        try requireFinite(x, "autocorrelation input")
        let mean = x.reduce(0, +) / Double(x.count)
        let d = x.map { $0 - mean }
        let c0 = d.reduce(0) { $0 + $1 * $1 }
        guard c0 > 0 else { throw BayesKitError.invalidArgument("autocorrelation of a constant series is undefined") }
        return (0...maxLag).map { k in
            var s = 0.0
            for t in 0..<(x.count - k) { s += d[t] * d[t + k] }
            return s / c0
        }
    }
}

/// MCMC and calibration diagnostics.
extension Panel {
    /// Trace plot: draw value against iteration for every chain (`chains[c][t]`),
    /// iterations counted from `firstIteration`; legend entries "chain 0", ...
    /// when there is more than one chain.
    public mutating func trace(chains: [[Double]], firstIteration: Int = 0, width: Double = 0.8,
                               opacity: Double = 0.8) throws {
        var copy = self
        for (c, draws) in chains.enumerated() {
            let iterations = draws.indices.map { Double(firstIteration + $0) }
            try copy.line(x: iterations, y: draws, label: chains.count > 1 ? "chain \(c)" : nil,
                          width: width, opacity: opacity)
        }
        if copy.xLabel.isEmpty { copy.xLabel = "iteration" }
        self = copy
    }

    /// Autocorrelation plot: a stem for each lag `k` (from 0) up to `acf[k]`,
    /// with a marker at its top and the zero line. Given the `sampleSize`, the
    /// dashed lines at ±1.96/√n show where white noise would stay 95% of the time.
    public mutating func autocorrelation(_ acf: [Double], sampleSize: Int? = nil, label: String? = nil,
                                         color: PlotColor? = nil) throws {
        let lags = acf.indices.map(Double.init)
        let c = takeColor(color)
        var copy = self
        try copy.horizontalLine(y: 0, color: .gray(0.35), width: 1, dash: .solid)
        if let n = sampleSize {
            guard n >= 1 else { throw BayesKitError.invalidArgument("autocorrelation sample size must be >= 1, got \(n)") }
            let bound = 1.96 / Double(n).squareRoot()
            try copy.horizontalLine(y: bound, label: "±1.96/√n", color: .gray(0.45))
            try copy.horizontalLine(y: -bound, color: .gray(0.45))
        }
        let stroke = Stroke(color: c, width: 1.5)
        try copy.add(MarkItem(name: "autocorrelation", mark: .stems(x: lags, y: acf, stroke: stroke)),
                     legend: nil, swatch: .line(stroke))
        try copy.scatter(x: lags, y: acf, color: c, size: 4, opacity: 1)
        if let label, !label.isEmpty {
            copy.legendEntries.append(LegendEntry(label: label, swatch: .lineAndMarker(stroke, .circle)))
        }
        if copy.xLabel.isEmpty { copy.xLabel = "lag" }
        if copy.yLabel.isEmpty { copy.yLabel = "autocorrelation" }
        self = copy
    }

    /// Reliability diagram: observed frequency against mean predicted
    /// confidence per bin, and the diagonal of perfect calibration (drawn once
    /// per panel). Bins with a non-finite value (empty bins) are skipped.
    /// Axes are fixed to [0, 1] unless limits were set.
    public mutating func reliability(confidence: [Double], frequency: [Double], label: String? = nil,
                                     color: PlotColor? = nil) throws {
        try requireSameCount("reliability", "confidence", confidence.count, "frequency", frequency.count)
        var copy = self
        let hasDiagonal = marks.contains { $0.name == "calibration diagonal" }
        if !hasDiagonal {
            let stroke = Stroke(color: .gray(0.45), width: 1.2, dash: .dashed)
            try copy.add(MarkItem(name: "calibration diagonal", mark: .lines(x: [0, 1], ys: [[0, 1]], stroke: stroke)),
                         legend: "perfectly calibrated", swatch: .line(stroke))
        }
        let c = copy.takeColor(color)
        let keep = confidence.indices.filter { confidence[$0].isFinite && frequency[$0].isFinite }
        let xs = keep.map { confidence[$0] }, ys = keep.map { frequency[$0] }
        try copy.line(x: xs, y: ys, color: c, width: 2)
        try copy.scatter(x: xs, y: ys, color: c, size: 7, edge: .white, opacity: 1)
        if let label, !label.isEmpty {
            copy.legendEntries.append(LegendEntry(label: label, swatch: .lineAndMarker(Stroke(color: c, width: 2), .circle)))
        }
        if copy.xLimits == nil { copy.xLimits = 0...1 }
        if copy.yLimits == nil { copy.yLimits = 0...1 }
        if copy.xLabel.isEmpty { copy.xLabel = "predicted confidence" }
        if copy.yLabel.isEmpty { copy.yLabel = "observed frequency" }
        self = copy
    }
}
