/// The legend: one row per labelled mark, a swatch and the label.
extension PanelRenderer {
    func renderLegend(_ svg: inout SVGWriter) {
        let entries = panel.legendEntries
        guard !entries.isEmpty, panel.legend != .hidden else { return }
        let (w, h) = legendSize
        let (x0, y0) = legendOrigin(width: w, height: h)
        let n = SVGWriter.num
        svg.open("g", ["class": "legend"])
        svg.element("rect", ["x": n(x0), "y": n(y0), "width": n(w), "height": n(h), "rx": "3", "fill": "#ffffff",
                             "fill-opacity": "0.88", "stroke": "#cccccc", "stroke-width": "0.8"])
        for (k, entry) in entries.enumerated() {
            let cy = y0 + 8 + 9 + Double(k) * 18
            let sx = x0 + 8
            switch entry.swatch {
            case .line(let s):
                pathElement("legend-swatch", "M\(n(sx)) \(n(cy))h26", s, &svg)
            case let .marker(marker, size, fill, edge, opacity):
                svg.open("g", ["class": "legend-swatch", "fill": fill.svg, "color": fill.svg,
                               "fill-opacity": opacity < 1 ? n(opacity) : nil,
                               "stroke": edge?.svg, "stroke-width": edge == nil ? nil : "1"])
                drawMarker(marker, sx + 13, cy, min(size, 10), &svg)
                svg.close("g")
            case let .lineAndMarker(s, marker):
                pathElement("legend-swatch", "M\(n(sx)) \(n(cy))h26", s, &svg)
                svg.open("g", ["class": "legend-swatch", "fill": s.color.svg, "color": s.color.svg])
                drawMarker(marker, sx + 13, cy, 7, &svg)
                svg.close("g")
            case let .patch(color, opacity):
                svg.element("rect", ["class": "legend-swatch", "x": n(sx), "y": n(cy - 6), "width": "26", "height": "12",
                                     "fill": color.svg, "fill-opacity": n(max(opacity, 0.25))])
            }
            svg.textElement(entry.label, x: sx + 32, y: cy + 4, size: Self.legendFont, color: Self.ink,
                            extra: ["class": "legend-label"])
        }
        svg.close("g")
    }

    /// Top-left corner of the legend box. `.auto` tries the four inside
    /// corners and takes the one covering the least data (ties: top right,
    /// top left, bottom right, bottom left).
    func legendOrigin(width w: Double, height h: Double) -> (Double, Double) {
        let inset = 8.0
        let corners: [LegendPosition: (Double, Double)] = [
            .topRight: (right - inset - w, top + inset), .topLeft: (left + inset, top + inset),
            .bottomRight: (right - inset - w, bottom - inset - h), .bottomLeft: (left + inset, bottom - inset - h),
        ]
        switch panel.legend {
        case .outsideRight:
            var x = right + 10
            if panel.colorbar != nil { x = cellRight - w - 8 }
            return (x, top)
        case .topLeft, .topRight, .bottomLeft, .bottomRight:
            return corners[panel.legend]!
        case .auto, .hidden:
            let points = occupiedPoints()
            var best = LegendPosition.topRight, bestScore = Double.infinity
            for position in [LegendPosition.topRight, .topLeft, .bottomRight, .bottomLeft] {
                let (x, y) = corners[position]!
                var score = 0.0
                for p in points where p.x >= x - 4 && p.x <= x + w + 4 && p.y >= y - 4 && p.y <= y + h + 4 {
                    score += p.weight
                }
                if score < bestScore - 1e-9 { best = position; bestScore = score }
            }
            return corners[best]!
        }
    }

    /// Pixel points where data are drawn, with weights (points and lines
    /// count fully, filled areas less): what the legend should not cover.
    func occupiedPoints() -> [(x: Double, y: Double, weight: Double)] {
        var out: [(x: Double, y: Double, weight: Double)] = []
        func along(_ a: (Double, Double), _ b: (Double, Double), _ weight: Double) {
            guard a.0.isFinite, a.1.isFinite, b.0.isFinite, b.1.isFinite else { return }
            let length = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
            let steps = min(200, max(1, Int(length / 8)))
            for s in 0...steps {
                let t = Double(s) / Double(steps)
                out.append((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1), weight))
            }
        }
        for item in panel.marks {
            switch item.mark {
            case let .lines(xs, ys, stroke):
                let px = xs.map(xMap.pixel)
                let weight = ys.count > 1 ? max(0.2, stroke.opacity) : 1
                for y in ys {
                    let py = y.map(yMap.pixel)
                    for i in 1..<max(px.count, 1) { along((px[i - 1], py[i - 1]), (px[i], py[i]), weight) }
                }
            case let .scatter(xs, ys, _, _, _, _, _):
                for i in xs.indices { out.append((xMap.pixel(xs[i]), yMap.pixel(ys[i]), 2)) }
            case let .band(along: a, lower, upper, horizontal, _, _):
                for i in a.indices {
                    let p = horizontal ? (xMap.pixel(lower[i]), yMap.pixel(a[i])) : (xMap.pixel(a[i]), yMap.pixel(lower[i]))
                    let q = horizontal ? (xMap.pixel(upper[i]), yMap.pixel(a[i])) : (xMap.pixel(a[i]), yMap.pixel(upper[i]))
                    along(p, q, 0.3)
                }
            case let .rects(rects, _, _, _):
                for r in rects {
                    let x = (xMap.pixel(r.x0) + xMap.pixel(r.x1)) / 2
                    along((x, r.y0.map(yMap.pixel) ?? baseline), (x, yMap.pixel(r.y1)), 0.5)
                }
            case let .stems(xs, ys, _), let .errorBars(xs, ys, _, _):
                for i in xs.indices { along((xMap.pixel(xs[i]), baseline), (xMap.pixel(xs[i]), yMap.pixel(ys[i])), 1) }
            case let .segments(segments, _):
                for s in segments {
                    along((xMap.pixel(s.x0), yMap.pixel(s.y0)), (xMap.pixel(s.x1), yMap.pixel(s.y1)), 0.5)
                }
            case let .text(_, x, y, _, _, _, _):
                out.append((xMap.pixel(x), yMap.pixel(y), 5))
            case .heatmap, .hline, .vline, .vspan, .hspan:
                continue
            }
        }
        return out
    }
}
