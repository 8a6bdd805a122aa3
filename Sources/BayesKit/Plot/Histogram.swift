/// Free-standing numerical helpers behind the plot marks, usable on their own.
public enum Plot {
    /// `bins` equal-width bin edges spanning `range`, or the finite values'
    /// min...max (widened by ±0.5 when they are all equal).
    public static func binEdges(_ values: [Double], bins: Int, range: ClosedRange<Double>? = nil) throws -> [Double] {
        guard bins >= 1 else { throw BayesKitError.invalidArgument("histogram needs at least 1 bin, got \(bins)") }
        var lo: Double, hi: Double
        if let range {
            guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound else {
                throw BayesKitError.invalidArgument("histogram range must be finite and non-empty, got \(range)")
            }
            (lo, hi) = (range.lowerBound, range.upperBound)
        } else {
            let finite = values.filter { $0.isFinite }
            guard let mn = finite.min(), let mx = finite.max() else {
                throw BayesKitError.invalidArgument("histogram needs at least one finite value, got none of \(values.count)")
            }
            (lo, hi) = mn < mx ? (mn, mx) : (mn - 0.5, mx + 0.5)
        }
        let width = (hi - lo) / Double(bins)
        return (0...bins).map { $0 == bins ? hi : lo + Double($0) * width }
    }

    /// Counts of the finite `values` in the bins `[edges[i], edges[i+1])`, the
    /// last bin closed; values outside the edges are not counted. With
    /// `density`, counts are divided by (total count × bin width) so the bars
    /// integrate to 1. Throws for fewer than 2 edges or edges not strictly increasing.
    public static func histogram(_ values: [Double], edges: [Double], density: Bool = false) throws -> [Double] {
        guard edges.count >= 2 else {
            throw BayesKitError.invalidArgument("histogram needs at least 2 bin edges (1 bin), got \(edges.count)")
        }
        for i in 1..<edges.count where !(edges[i].isFinite && edges[i - 1].isFinite && edges[i] > edges[i - 1]) {
            throw BayesKitError.invalidArgument(
                "histogram bin edges must be finite and strictly increasing; edge \(i) is \(edges[i]) after \(edges[i - 1])")
        }
        var counts = [Double](repeating: 0, count: edges.count - 1)
        let lo = edges[0], hi = edges[edges.count - 1]
        for v in values where v.isFinite && v >= lo && v <= hi {
            // Binary search for the last edge <= v.
            var a = 0, b = edges.count - 1
            while b - a > 1 {
                let m = (a + b) / 2
                if edges[m] <= v { a = m } else { b = m }
            }
            counts[a] += 1
        }
        if density {
            let total = counts.reduce(0, +)
            if total > 0 { for i in counts.indices { counts[i] /= total * (edges[i + 1] - edges[i]) } }
        }
        return counts
    }
}

/// One series of a grouped bar chart.
public struct BarSeries: Sendable {
    public var label: String
    /// One value per category.
    public var values: [Double]
    /// Optional symmetric error (e.g. a standard error) per category.
    public var errors: [Double]?
    public var color: PlotColor?

    public init(label: String, values: [Double], errors: [Double]? = nil, color: PlotColor? = nil) {
        self.label = label
        self.values = values
        self.errors = errors
        self.color = color
    }
}

/// Histograms, density curves and bar charts.
extension Panel {
    /// A histogram of the finite `values` in `bins` equal bins over `range`
    /// (default: the data's range). `density` scales bars to integrate to 1;
    /// `kde` overlays a Gaussian ``KernelDensityEstimate`` (Silverman bandwidth)
    /// on the same scale.
    public mutating func histogram(_ values: [Double], bins: Int = 30, range: ClosedRange<Double>? = nil,
                                   density: Bool = false, kde: Bool = false, label: String? = nil,
                                   color: PlotColor? = nil, opacity: Double = 0.55) throws {
        let edges = try Plot.binEdges(values, bins: bins, range: range)
        try histogram(values, edges: edges, density: density, kde: kde, label: label, color: color, opacity: opacity)
    }

    /// A histogram with the given bin edges (strictly increasing, at least 2).
    public mutating func histogram(_ values: [Double], edges: [Double], density: Bool = false, kde: Bool = false,
                                   label: String? = nil, color: PlotColor? = nil, opacity: Double = 0.55) throws {
        let finite = values.filter { $0.isFinite }
        guard !finite.isEmpty else {
            throw BayesKitError.invalidArgument("histogram needs at least one finite value, got none of \(values.count)")
        }
        let counts = try Plot.histogram(finite, edges: edges, density: density)
        let c = takeColor(color)
        var copy = self
        try copy.histogram(counts: counts, edges: edges, label: label, color: c, opacity: opacity)
        if kde {
            let estimate = try KernelDensityEstimate(samples: finite)
            let n = 200
            let lo = edges.first!, hi = edges.last!
            let xs = (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
            // Counts per bin ≈ n·width·f(x); use the mean width for unequal bins.
            let meanWidth = (hi - lo) / Double(edges.count - 1)
            let inRange = Double(finite.filter { $0 >= lo && $0 <= hi }.count)
            let factor = density ? 1 : inRange * meanWidth
            try copy.line(x: xs, y: estimate.density(at: xs).map { $0 * factor }, color: c.mixed(with: .black, 0.35),
                          width: 2)
        }
        self = copy
    }

    /// Bars of precomputed heights `counts[i]` over `[edges[i], edges[i+1]]`.
    public mutating func histogram(counts: [Double], edges: [Double], label: String? = nil,
                                   color: PlotColor? = nil, opacity: Double = 0.55) throws {
        guard edges.count >= 2 else {
            throw BayesKitError.invalidArgument("histogram needs at least 2 bin edges (1 bin), got \(edges.count)")
        }
        try requireSameCount("histogram", "counts", counts.count, "bins (edges - 1)", edges.count - 1)
        try requireOpacity(opacity, "histogram opacity")
        let fill = takeColor(color)
        let rects = counts.indices.map { PlotRect(x0: edges[$0], x1: edges[$0 + 1], y0: nil, y1: counts[$0]) }
        try add(MarkItem(name: "histogram", mark: .rects(rects, fill: fill, opacity: opacity, edge: .white)),
                legend: label, swatch: .patch(fill, opacity: opacity))
    }

    /// A precomputed density curve `y = f(x)` (e.g. from
    /// ``KernelDensityEstimate/grid(count:padding:)``), filled down to zero
    /// with `fillOpacity` (0 for no fill).
    public mutating func density(x: [Double], y: [Double], label: String? = nil, color: PlotColor? = nil,
                                 width: Double = 2, fillOpacity: Double = 0.15) throws {
        try requireSameCount("density", "x", x.count, "y", y.count)
        try requireOpacity(fillOpacity, "density fill opacity")
        let c = takeColor(color)
        var copy = self
        if fillOpacity > 0 {
            try copy.band(x: x, lower: [Double](repeating: 0, count: x.count), upper: y, color: c, opacity: fillOpacity)
        }
        try copy.line(x: x, y: y, label: label, color: c, width: width)
        self = copy
    }

    /// A grouped bar chart: one group per category (at x = 0, 1, ...), one
    /// bar per series in each group, error bars where the series has them.
    /// Category names become the x tick labels.
    public mutating func bars(categories: [String], series: [BarSeries], groupWidth: Double = 0.8) throws {
        guard !categories.isEmpty, !series.isEmpty else {
            throw BayesKitError.invalidArgument(
                "bar chart needs at least one category and one series, got \(categories.count) and \(series.count)")
        }
        guard groupWidth > 0, groupWidth <= 1 else {
            throw BayesKitError.invalidArgument("bar group width must be in (0, 1], got \(groupWidth)")
        }
        for s in series {
            try requireSameCount("bar series '\(s.label)'", "values", s.values.count, "categories", categories.count)
            if let e = s.errors {
                try requireSameCount("bar series '\(s.label)'", "errors", e.count, "categories", categories.count)
            }
        }
        var copy = self
        let m = Double(series.count)
        let slot = groupWidth / m
        for (k, s) in series.enumerated() {
            let fill = copy.takeColor(s.color)
            let centers = categories.indices.map { Double($0) - groupWidth / 2 + (Double(k) + 0.5) * slot }
            let rects = zip(centers, s.values).map {
                PlotRect(x0: $0 - slot * 0.45, x1: $0 + slot * 0.45, y0: nil, y1: $1)
            }
            try copy.add(MarkItem(name: "bars", mark: .rects(rects, fill: fill, opacity: 0.9, edge: nil)),
                         legend: s.label, swatch: .patch(fill, opacity: 0.9))
            if let e = s.errors {
                try copy.errorBars(x: centers, lower: zip(s.values, e).map { $0 - $1 },
                                   upper: zip(s.values, e).map { $0 + $1 })
            }
        }
        let positions = categories.indices.map(Double.init)
        copy.xTicks = AxisTicks(major: positions, labels: categories)
        if copy.xLimits == nil { copy.xLimits = -0.5...(Double(categories.count) - 0.5) }
        copy.showsGrid = true
        self = copy
    }
}
