/// Heat maps of a function on a rectangular grid.
extension Panel {
    /// A heat map of `values[j][i]`, the value at `(x[i], y[j])`: one row of
    /// `values` per y, so `values.count == y.count` and low y is drawn at the
    /// bottom. `x` and `y` are cell centres, strictly increasing; the map
    /// fills the cells around them (the axes fit the grid exactly).
    /// Non-finite cells are left transparent. Colours span `range`
    /// (default: the finite values' min...max) and a colour bar labelled
    /// `colorbarLabel` is drawn to the right unless `colorbarLabel` is `nil`.
    public mutating func heatmap(x: [Double], y: [Double], values: [[Double]], colormap: Colormap = .viridis,
                                 range: ClosedRange<Double>? = nil, colorbarLabel: String? = "") throws {
        try Self.checkGrid(x: x, y: y, values: values, mark: "heatmap")
        let finite = values.joined().filter { $0.isFinite }
        var r: ClosedRange<Double>
        if let range {
            guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound else {
                throw BayesKitError.invalidArgument("heatmap colour range must be finite and non-empty, got \(range)")
            }
            r = range
        } else if let lo = finite.min(), let hi = finite.max() {
            r = lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
        } else {
            r = 0...1
        }
        let data = HeatmapData(x: x, y: y, values: values, colormap: colormap, range: r)
        try add(MarkItem(name: "heatmap", mark: .heatmap(data)), legend: nil, swatch: .patch(.black, opacity: 1))
        if let colorbarLabel { colorbar = ColorbarSpec(colormap: colormap, range: r, label: colorbarLabel) }
    }

    /// ``heatmap(x:y:values:colormap:range:colorbarLabel:)`` from a matrix
    /// with one row per y value and one column per x value.
    public mutating func heatmap(x: [Double], y: [Double], values: Matrix, colormap: Colormap = .viridis,
                                 range: ClosedRange<Double>? = nil, colorbarLabel: String? = "") throws {
        try heatmap(x: x, y: y, values: (0..<values.rows).map { values.row($0) }, colormap: colormap,
                    range: range, colorbarLabel: colorbarLabel)
    }

    /// Checks a grid function: `values.count == y.count`, every row has
    /// `x.count` values, and both grids are finite and strictly increasing.
    static func checkGrid(x: [Double], y: [Double], values: [[Double]], mark: String) throws {
        for (name, grid) in [("x", x), ("y", y)] {
            guard !grid.isEmpty else { throw BayesKitError.invalidArgument("\(mark) \(name) grid is empty") }
            for i in grid.indices where !grid[i].isFinite || (i > 0 && !(grid[i] > grid[i - 1])) {
                throw BayesKitError.invalidArgument(
                    "\(mark) \(name) grid must be finite and strictly increasing; value \(i) is \(grid[i])")
            }
        }
        try requireSameCount(mark, "values", values.count, "y", y.count)
        for (j, row) in values.enumerated() {
            if row.count != x.count {
                throw BayesKitError.dimensionMismatch("\(mark) values row \(j) has \(row.count) values but x has \(x.count)")
            }
        }
    }
}

extension HeatmapData {
    /// Cell edges around the centres, midway in the axis' transformed space,
    /// the outer cells as wide as their neighbours (a single cell spans ±0.5).
    static func edges(_ centers: [Double], _ map: AxisMap) -> [Double] {
        let t = centers.map(map.forward)
        guard t.count >= 2 else { return [map.inverse(t[0] - 0.5), map.inverse(t[0] + 0.5)] }
        var e = [t[0] - (t[1] - t[0]) / 2]
        for i in 1..<t.count { e.append((t[i - 1] + t[i]) / 2) }
        e.append(t[t.count - 1] + (t[t.count - 1] - t[t.count - 2]) / 2)
        return e.map(map.inverse)
    }

    /// The grid's outer extent along x or y.
    static func extent(_ centers: [Double], _ scale: AxisScale) -> (Double, Double) {
        let map = AxisMap(scale: scale, lower: 0, upper: 1, pixelStart: 0, pixelEnd: 1)
        let e = edges(centers, map)
        return (e.first!, e.last!)
    }

    /// Draws the cells as rectangles. Colours are quantised to 256 levels
    /// and equal neighbours along a row merged, which keeps smooth maps small.
    func render(_ svg: inout SVGWriter, xMap: AxisMap, yMap: AxisMap) {
        let xe = Self.edges(x, xMap).map(xMap.pixel), ye = Self.edges(y, yMap).map(yMap.pixel)
        let lut = (0..<256).map { colormap.color(at: Double($0) / 255).svg }
        let lo = range.lowerBound, span = range.upperBound - range.lowerBound
        svg.open("g", ["class": "mark heatmap", "shape-rendering": "crispEdges"])
        for j in y.indices {
            let top = min(ye[j], ye[j + 1]), height = abs(ye[j + 1] - ye[j])
            var i = 0
            while i < x.count {
                let v = values[j][i]
                guard v.isFinite else { i += 1; continue }
                let level = Int((min(max((v - lo) / span, 0), 1) * 255).rounded())
                var k = i + 1
                while k < x.count, values[j][k].isFinite,
                      Int((min(max((values[j][k] - lo) / span, 0), 1) * 255).rounded()) == level { k += 1 }
                let left = min(xe[i], xe[k]), width = abs(xe[k] - xe[i])
                // A hair of overlap hides anti-aliasing seams between cells.
                svg.element("rect", ["x": SVGWriter.num(left), "y": SVGWriter.num(top),
                                     "width": SVGWriter.num(width + 0.3), "height": SVGWriter.num(height + 0.3),
                                     "fill": lut[level]])
                i = k
            }
        }
        svg.close("g")
    }
}
