import Foundation

/// Lays out one panel in its cell of the figure and writes its SVG: the
/// axis ranges and ticks, the margins they need, then grid, marks, axes,
/// colour bar and legend.
struct PanelRenderer {
    let panel: Panel
    var xMap: AxisMap
    var yMap: AxisMap
    let xTicks: AxisTicks
    let yTicks: AxisTicks
    /// Plot area in px.
    let left: Double, right: Double, top: Double, bottom: Double
    let cellLeft: Double, cellRight: Double
    let legendSize: (width: Double, height: Double)

    static let tickFont = 12.0
    static let labelFont = 14.0
    static let titleFont = 15.0
    static let legendFont = 12.0
    static let ink = "#222222"
    static let gridColor = "#e3e3e3"

    /// Estimated width of `text` in px (DejaVu Sans averages ~0.6 em per glyph).
    static func textWidth(_ text: String, _ size: Double) -> Double { Double(text.count) * size * 0.6 }

    init(panel: Panel, x: Double, y: Double, width: Double, height: Double) throws {
        self.panel = panel
        let (xl, xh) = try Self.domain(panel, horizontal: true)
        let (yl, yh) = try Self.domain(panel, horizontal: false)
        func ticks(_ custom: AxisTicks?, _ scale: AxisScale, _ lo: Double, _ hi: Double, _ length: Double, _ spacing: Double) -> AxisTicks {
            if let custom { return custom }
            var target = max(3, min(10, Int(length / spacing)))
            if scale == .log10 { return .log10(lower: lo, upper: hi, target: target) }
            // A short axis can round to one or two ticks: ask for more until there are three.
            var t = AxisTicks.linear(lower: lo, upper: hi, target: target)
            while t.major.count < 3 && target < 12 {
                target += 1
                t = .linear(lower: lo, upper: hi, target: target)
            }
            return t
        }
        xTicks = ticks(panel.xTicks, panel.xScale, xl, xh, width, 95)
        yTicks = ticks(panel.yTicks, panel.yScale, yl, yh, height, 60)

        // Margins from what sits around the plot area.
        let yTickWidth = panel.showsYTickLabels ? yTicks.labels.map { Self.textWidth($0, Self.tickFont) }.max() ?? 0 : 0
        var leftMargin = 14 + yTickWidth + 9
        if !panel.yLabel.isEmpty { leftMargin += 22 }
        var rightMargin = 18.0
        if let bar = panel.colorbar {
            let t = AxisTicks.linear(lower: bar.range.lowerBound, upper: bar.range.upperBound, target: 6)
            let w = t.labels.map { Self.textWidth($0, Self.tickFont) }.max() ?? 0
            rightMargin += 16 + 6 + w + (bar.label.isEmpty ? 0 : 22)
        }
        let entries = panel.legendEntries
        let labelWidth = entries.map { Self.textWidth($0.label, Self.legendFont) }.max() ?? 0
        legendSize = (8 + 26 + 6 + labelWidth + 8, 8 + Double(entries.count) * 18 + 4)
        if panel.legend == .outsideRight && !entries.isEmpty { rightMargin += legendSize.width + 10 }
        var topMargin = 12.0
        if !panel.title.isEmpty { topMargin += 24 }
        var bottomMargin = 12 + (panel.showsXTickLabels ? 22.0 : 0)
        if !panel.xLabel.isEmpty { bottomMargin += 22 }
        left = x + (panel.insets.left ?? leftMargin)
        right = max(left + 10, x + width - (panel.insets.right ?? rightMargin))
        top = y + (panel.insets.top ?? topMargin)
        bottom = max(top + 10, y + height - (panel.insets.bottom ?? bottomMargin))
        cellLeft = x
        cellRight = x + width
        xMap = AxisMap(scale: panel.xScale, lower: xl, upper: xh, pixelStart: left, pixelEnd: right)
        yMap = AxisMap(scale: panel.yScale, lower: yl, upper: yh, pixelStart: bottom, pixelEnd: top)
    }

    /// The axis range: the fixed limits, or the data's extent with a 4% margin
    /// (none on an axis holding a heat map, none below a zero baseline of bars).
    static func domain(_ panel: Panel, horizontal: Bool) throws -> (Double, Double) {
        let scale = horizontal ? panel.xScale : panel.yScale
        let name = horizontal ? "x" : "y"
        if let limits = horizontal ? panel.xLimits : panel.yLimits {
            let (lo, hi) = (limits.lowerBound, limits.upperBound)
            guard lo.isFinite, hi.isFinite, lo < hi else {
                throw BayesKitError.invalidArgument("\(name) limits must be finite with lower < upper, got \(lo) ... \(hi)")
            }
            if scale == .log10 && lo <= 0 {
                throw BayesKitError.invalidArgument("\(name) limits must be positive on a log10 axis, got \(lo) ... \(hi)")
            }
            return (lo, hi)
        }
        var lo = Double.infinity, hi = -Double.infinity
        var tight = false, zeroBaseline = false
        func take(_ values: [Double]) {
            for v in values where v.isFinite && (scale == .linear || v > 0) {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        for item in panel.marks {
            switch item.mark {
            case let .lines(xs, ys, _):
                if horizontal { take(xs) } else { ys.forEach(take) }
            case let .scatter(xs, ys, _, _, _, _, _):
                take(horizontal ? xs : ys)
            case let .band(along, lower, upper, isHorizontal, _, _):
                if horizontal == !isHorizontal { take(along) } else { take(lower); take(upper) }
            case let .rects(rects, _, _, _):
                if horizontal {
                    take(rects.flatMap { [$0.x0, $0.x1] })
                } else {
                    take(rects.map(\.y1))
                    if scale == .linear { take([0]); zeroBaseline = true }
                }
            case let .stems(xs, ys, _):
                if horizontal { take(xs) } else { take(ys); if scale == .linear { take([0]) } }
            case let .errorBars(xs, lower, upper, _):
                if horizontal { take(xs) } else { take(lower); take(upper) }
            case let .heatmap(h):
                let (a, b) = HeatmapData.extent(horizontal ? h.x : h.y, scale)
                take([a, b])
                tight = true
            case let .segments(segments, _):
                take(horizontal ? segments.flatMap { [$0.x0, $0.x1] } : segments.flatMap { [$0.y0, $0.y1] })
            case let .hline(v, _): if !horizontal { take([v]) }
            case let .vline(v, _): if horizontal { take([v]) }
            case let .vspan(a, b, _, _): if horizontal { take([a, b]) }
            case let .hspan(a, b, _, _): if !horizontal { take([a, b]) }
            case let .text(_, x, y, _, _, _, _): take([horizontal ? x : y])
            }
        }
        if scale == .log10 {
            guard lo <= hi else { return (1, 10) }
            if lo == hi { return (lo / 2, hi * 2) }
            let a = log10(lo), b = log10(hi), pad = tight ? 0 : 0.04 * (b - a)
            return (pow(10, a - pad), pow(10, b + pad))
        }
        guard lo <= hi else { return (0, 1) }
        if lo == hi {
            let d = lo == 0 ? 0.5 : abs(lo) * 0.1
            return (lo - d, hi + d)
        }
        let pad = tight ? 0 : 0.04 * (hi - lo)
        return (zeroBaseline && lo == 0 ? 0 : lo - pad, hi + pad)
    }

    mutating func render(_ svg: inout SVGWriter, row: Int, column: Int) {
        let n = SVGWriter.num
        svg.open("g", ["class": "panel", "data-row": String(row), "data-column": String(column)])
        if !panel.title.isEmpty {
            svg.textElement(panel.title, x: (left + right) / 2, y: top - 12, size: Self.titleFont, anchor: "middle",
                            color: "#111111", extra: ["class": "panel-title"], weight: "bold")
        }
        svg.element("rect", ["class": "plot-area", "x": n(left), "y": n(top), "width": n(right - left),
                             "height": n(bottom - top), "fill": "#ffffff"])
        if panel.showsGrid { renderGrid(&svg) }
        let clip = svg.uniqueID("clip")
        svg.raw("<defs><clipPath id=\"\(clip)\"><rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\"/></clipPath></defs>\n")
        svg.open("g", ["class": "marks", "clip-path": "url(#\(clip))"])
        for item in panel.marks { renderMark(item.mark, &svg) }
        svg.close("g")
        renderAxes(&svg)
        if let bar = panel.colorbar { renderColorbar(bar, &svg) }
        renderLegend(&svg)
        svg.close("g")
    }

    private func renderGrid(_ svg: inout SVGWriter) {
        var d = ""
        let n = SVGWriter.num
        // Vertical grid lines only for numeric x ticks (not between bar categories).
        if panel.xTicks == nil {
            for v in xTicks.major { let px = xMap.pixel(v); if px.isFinite { d += "M\(n(px)) \(n(top))V\(n(bottom))" } }
        }
        for v in yTicks.major { let py = yMap.pixel(v); if py.isFinite { d += "M\(n(left)) \(n(py))H\(n(right))" } }
        if !d.isEmpty { svg.element("path", ["class": "grid", "d": d, "stroke": Self.gridColor, "stroke-width": "1", "fill": "none"]) }
    }

    private func renderAxes(_ svg: inout SVGWriter) {
        let n = SVGWriter.num
        // A light frame, darker left and bottom axes.
        svg.element("rect", ["class": "frame", "x": n(left), "y": n(top), "width": n(right - left),
                             "height": n(bottom - top), "fill": "none", "stroke": "#bbbbbb", "stroke-width": "0.8"])
        svg.element("path", ["class": "axis", "d": "M\(n(left)) \(n(top))V\(n(bottom))H\(n(right))",
                             "stroke": "#444444", "stroke-width": "1.2", "fill": "none"])
        var ticks = "", minor = ""
        let inX = { (p: Double) in p.isFinite && p >= self.left - 0.5 && p <= self.right + 0.5 }
        let inY = { (p: Double) in p.isFinite && p >= self.top - 0.5 && p <= self.bottom + 0.5 }
        for (v, label) in zip(xTicks.major, xTicks.labels) {
            let px = xMap.pixel(v)
            guard inX(px) else { continue }
            ticks += "M\(n(px)) \(n(bottom))v5"
            guard panel.showsXTickLabels else { continue }
            svg.textElement(label, x: px, y: bottom + 19, size: Self.tickFont, anchor: "middle", color: Self.ink,
                            extra: ["class": "tick-label x"])
        }
        for (v, label) in zip(yTicks.major, yTicks.labels) {
            let py = yMap.pixel(v)
            guard inY(py) else { continue }
            ticks += "M\(n(left)) \(n(py))h-5"
            guard panel.showsYTickLabels else { continue }
            svg.textElement(label, x: left - 8, y: py + 4, size: Self.tickFont, anchor: "end", color: Self.ink,
                            extra: ["class": "tick-label y"])
        }
        for v in xTicks.minor { let px = xMap.pixel(v); if inX(px) { minor += "M\(n(px)) \(n(bottom))v3" } }
        for v in yTicks.minor { let py = yMap.pixel(v); if inY(py) { minor += "M\(n(left)) \(n(py))h-3" } }
        if !ticks.isEmpty { svg.element("path", ["class": "ticks", "d": ticks, "stroke": "#444444", "stroke-width": "1"]) }
        if !minor.isEmpty { svg.element("path", ["class": "minor-ticks", "d": minor, "stroke": "#666666", "stroke-width": "0.8"]) }
        if !panel.xLabel.isEmpty {
            svg.textElement(panel.xLabel, x: (left + right) / 2, y: bottom + (panel.showsXTickLabels ? 42 : 22), size: Self.labelFont, anchor: "middle",
                            color: Self.ink, extra: ["class": "axis-label x"])
        }
        if !panel.yLabel.isEmpty {
            // Rotated text extends left of its baseline by about one ascent.
            svg.textElement(panel.yLabel, x: cellLeft + 21, y: (top + bottom) / 2, size: Self.labelFont, anchor: "middle",
                            color: Self.ink, extra: ["class": "axis-label y"], rotate: -90)
        }
    }

    private func renderColorbar(_ bar: ColorbarSpec, _ svg: inout SVGWriter) {
        let n = SVGWriter.num
        let x0 = right + 16, w = 16.0
        let id = svg.uniqueID("colorbar")
        svg.open("defs")
        svg.open("linearGradient", ["id": id, "x1": "0", "y1": "1", "x2": "0", "y2": "0"])
        let k = bar.colormap.anchors.count
        for (i, c) in bar.colormap.anchors.enumerated() {
            svg.element("stop", ["offset": n(Double(i) / Double(k - 1)), "stop-color": c.svg])
        }
        svg.close("linearGradient")
        svg.close("defs")
        svg.element("rect", ["class": "colorbar", "x": n(x0), "y": n(top), "width": n(w), "height": n(bottom - top),
                             "fill": "url(#\(id))", "stroke": "#888888", "stroke-width": "0.6"])
        let map = AxisMap(scale: .linear, lower: bar.range.lowerBound, upper: bar.range.upperBound,
                          pixelStart: bottom, pixelEnd: top)
        let ticks = AxisTicks.linear(lower: bar.range.lowerBound, upper: bar.range.upperBound, target: 6)
        var d = ""
        for (v, label) in zip(ticks.major, ticks.labels) {
            let py = map.pixel(v)
            d += "M\(n(x0 + w)) \(n(py))h4"
            svg.textElement(label, x: x0 + w + 7, y: py + 4, size: Self.tickFont, color: Self.ink,
                            extra: ["class": "tick-label colorbar"])
        }
        if !d.isEmpty { svg.element("path", ["d": d, "stroke": "#444444", "stroke-width": "1"]) }
        if !bar.label.isEmpty {
            let w = ticks.labels.map { Self.textWidth($0, Self.tickFont) }.max() ?? 0
            let x = x0 + 16 + 7 + w + 14
            svg.textElement(bar.label, x: x, y: (top + bottom) / 2, size: Self.labelFont, anchor: "middle",
                            color: Self.ink, extra: ["class": "axis-label colorbar"], rotate: 90)
        }
    }
}
