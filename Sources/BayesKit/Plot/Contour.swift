import Foundation

/// A straight piece of a contour line, from `(x0, y0)` to `(x1, y1)` in data coordinates.
public struct ContourSegment: Sendable, Hashable {
    public var x0: Double, y0: Double, x1: Double, y1: Double

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }
}

extension Plot {
    /// The contour `f = level` of a grid function by marching squares
    /// (Lorensen & Cline 1987, in 2-D): every grid cell whose corners straddle
    /// the level contributes one or two segments whose endpoints are linearly
    /// interpolated along the cell's edges. Saddle cells are resolved by the
    /// mean of the four corners. Cells with a non-finite corner are skipped.
    ///
    /// `values[j][i]` is `f(x[i], y[j])`, as for heat maps.
    public static func contourSegments(x: [Double], y: [Double], values: [[Double]],
                                       level: Double) throws -> [ContourSegment] {
        try Panel.checkGrid(x: x, y: y, values: values, mark: "contour")
        guard level.isFinite else { throw BayesKitError.invalidArgument("contour level must be finite, got \(level)") }
        var out: [ContourSegment] = []
        guard x.count >= 2, y.count >= 2 else { return out }
        for j in 0..<(y.count - 1) {
            for i in 0..<(x.count - 1) {
                // Corners counter-clockwise from bottom left.
                let px = [x[i], x[i + 1], x[i + 1], x[i]]
                let py = [y[j], y[j], y[j + 1], y[j + 1]]
                let f = [values[j][i], values[j][i + 1], values[j + 1][i + 1], values[j + 1][i]]
                guard f.allSatisfy({ $0.isFinite }) else { continue }
                var code = 0
                for k in 0..<4 where f[k] >= level { code |= 1 << k }
                if code == 0 || code == 15 { continue }
                // The crossing on edge k, between corner k and corner k+1,
                // interpolated from the corner with the smaller grid index so
                // the two cells sharing an edge compute the same point.
                func cross(_ k: Int) -> (Double, Double) {
                    let (a, b) = k < 2 ? (k, k + 1) : ((k + 1) % 4, k)
                    let t = (level - f[a]) / (f[b] - f[a])
                    return (px[a] + t * (px[b] - px[a]), py[a] + t * (py[b] - py[a]))
                }
                // Edges whose corners are on different sides of the level.
                let crossed = (0..<4).filter { ((code >> $0) & 1) != ((code >> (($0 + 1) % 4)) & 1) }
                var pairs: [(Int, Int)]
                if crossed.count == 2 {
                    pairs = [(crossed[0], crossed[1])]
                } else {
                    // Saddle: all four edges crossed. If the centre is on the
                    // same side as corner 0, the contour cuts off corners 1 and 3.
                    let centerHigh = f.reduce(0, +) / 4 >= level
                    let corner0High = (code & 1) == 1
                    pairs = centerHigh == corner0High ? [(0, 1), (2, 3)] : [(3, 0), (1, 2)]
                }
                for (a, b) in pairs {
                    let p = cross(a), q = cross(b)
                    // A level through a grid corner can give a zero-length piece.
                    if p == q { continue }
                    out.append(ContourSegment(x0: p.0, y0: p.1, x1: q.0, y1: q.1))
                }
            }
        }
        return out
    }

    /// Up to about `count` round levels strictly inside the finite values' range.
    public static func contourLevels(_ values: [[Double]], count: Int = 6) -> [Double] {
        let finite = values.joined().filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max(), hi > lo else { return [] }
        return AxisTicks.linear(lower: lo, upper: hi, target: count + 2).major.filter { $0 > lo && $0 < hi }
    }
}

extension Panel {
    /// Contour lines of `values[j][i] = f(x[i], y[j])` at each of `levels`,
    /// with the level written on each line when `labels` is true. The default
    /// colour is white over a heat map and dark gray otherwise.
    public mutating func contour(x: [Double], y: [Double], values: [[Double]], levels: [Double],
                                 label: String? = nil, color: PlotColor? = nil, width: Double = 1.2,
                                 labels: Bool = false) throws {
        try requirePositiveParameter(width, "contour line width")
        let hasHeatmap = marks.contains { if case .heatmap = $0.mark { return true } else { return false } }
        let c = color ?? (hasHeatmap ? .white : .gray(0.2))
        let stroke = Stroke(color: c, width: width, opacity: 0.9)
        var copy = self
        var all: [ContourSegment] = []
        var labelMarks: [MarkItem] = []
        for level in levels {
            let segments = try Plot.contourSegments(x: x, y: y, values: values, level: level)
            all += segments
            if labels, !segments.isEmpty {
                // Label the segment in the middle of the level's list: somewhere on the line.
                let s = segments[segments.count / 2]
                let text = String(format: "%.3g", level)
                labelMarks.append(MarkItem(name: "contour label", mark: .text(
                    text, x: (s.x0 + s.x1) / 2, y: (s.y0 + s.y1) / 2, size: 10, color: c, anchor: .middle,
                    halo: hasHeatmap && color == nil ? .gray(0.15) : .white)))
            }
        }
        try copy.add(MarkItem(name: "contour", mark: .segments(all, stroke: stroke)), legend: label, swatch: .line(stroke))
        for m in labelMarks { try copy.add(m, legend: nil, swatch: .line(stroke)) }
        self = copy
    }

    /// Contour lines at about `levelCount` round levels inside the values' range.
    public mutating func contour(x: [Double], y: [Double], values: [[Double]], levelCount: Int = 6,
                                 label: String? = nil, color: PlotColor? = nil, width: Double = 1.2,
                                 labels: Bool = false) throws {
        try contour(x: x, y: y, values: values, levels: Plot.contourLevels(values, count: levelCount),
                    label: label, color: color, width: width, labels: labels)
    }
}
