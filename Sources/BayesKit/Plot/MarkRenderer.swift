/// Drawing the marks and the legend of a panel.
extension PanelRenderer {
    func strokeAttributes(_ s: Stroke) -> KeyValuePairs<String, String?> {
        ["stroke": s.color.svg, "stroke-width": SVGWriter.num(s.width),
         "stroke-opacity": s.opacity < 1 ? SVGWriter.num(s.opacity) : nil,
         "stroke-dasharray": s.dash.svg, "fill": "none",
         "stroke-linejoin": "round", "stroke-linecap": "round"]
    }

    /// Pixel position of the bars' baseline: 0 on a linear axis, the bottom of a log axis.
    var baseline: Double { panel.yScale == .linear ? yMap.pixel(0) : bottom }

    func renderMark(_ mark: Mark, _ svg: inout SVGWriter) {
        let n = SVGWriter.num
        switch mark {
        case let .lines(xs, ys, stroke):
            let px = xs.map(xMap.pixel)
            for y in ys {
                let d = SVGWriter.polylinePath(px, y.map(yMap.pixel))
                if !d.isEmpty { pathElement("mark line", d, stroke, &svg) }
            }
        case let .scatter(xs, ys, marker, size, fill, edge, opacity):
            svg.open("g", ["class": "mark scatter", "fill": fill.svg, "color": fill.svg, "fill-opacity": opacity < 1 ? n(opacity) : nil,
                           "stroke": edge?.svg, "stroke-width": edge == nil ? nil : "1"])
            for i in xs.indices {
                let px = xMap.pixel(xs[i]), py = yMap.pixel(ys[i])
                guard px.isFinite, py.isFinite else { continue }
                drawMarker(marker, px, py, size, &svg)
            }
            svg.close("g")
        case let .band(along, lower, upper, horizontal, fill, opacity):
            var d = ""
            var run: [Int] = []
            func point(_ i: Int, _ v: Double) -> (Double, Double) {
                horizontal ? (xMap.pixel(v), yMap.pixel(along[i])) : (xMap.pixel(along[i]), yMap.pixel(v))
            }
            func flush() {
                defer { run.removeAll() }
                guard run.count >= 2 else { return }
                let upperPoints = run.map { point($0, upper[$0]) }
                let lowerPoints = run.reversed().map { point($0, lower[$0]) }
                d += "M" + (upperPoints + lowerPoints).map { "\(n($0.0)) \(n($0.1))" }.joined(separator: "L") + "Z"
            }
            for i in along.indices {
                let (a, b) = point(i, upper[i]), (c, e) = point(i, lower[i])
                if a.isFinite && b.isFinite && c.isFinite && e.isFinite { run.append(i) } else { flush() }
            }
            flush()
            if !d.isEmpty {
                svg.element("path", ["class": "mark band", "d": d, "fill": fill.svg, "fill-opacity": n(opacity),
                                     "stroke": "none"])
            }
        case let .rects(rects, fill, opacity, edge):
            svg.open("g", ["class": "mark bars", "fill": fill.svg, "fill-opacity": opacity < 1 ? n(opacity) : nil,
                           "stroke": edge?.svg, "stroke-width": edge == nil ? nil : "0.8"])
            for r in rects {
                let x0 = xMap.pixel(r.x0), x1 = xMap.pixel(r.x1)
                let y0 = r.y0.map(yMap.pixel) ?? baseline, y1 = yMap.pixel(r.y1)
                guard x0.isFinite, x1.isFinite, y0.isFinite, y1.isFinite, abs(y1 - y0) > 0.01 else { continue }
                svg.element("rect", ["x": n(min(x0, x1)), "y": n(min(y0, y1)), "width": n(abs(x1 - x0)),
                                     "height": n(abs(y1 - y0))])
            }
            svg.close("g")
        case let .stems(xs, ys, stroke):
            var d = ""
            for i in xs.indices {
                let px = xMap.pixel(xs[i]), py = yMap.pixel(ys[i])
                if px.isFinite && py.isFinite && baseline.isFinite { d += "M\(n(px)) \(n(baseline))V\(n(py))" }
            }
            if !d.isEmpty { pathElement("mark stems", d, stroke, &svg) }
        case let .errorBars(xs, lower, upper, stroke):
            var d = ""
            for i in xs.indices {
                let px = xMap.pixel(xs[i]), lo = yMap.pixel(lower[i]), hi = yMap.pixel(upper[i])
                guard px.isFinite, lo.isFinite, hi.isFinite else { continue }
                d += "M\(n(px)) \(n(lo))V\(n(hi))M\(n(px - 4)) \(n(lo))h8M\(n(px - 4)) \(n(hi))h8"
            }
            if !d.isEmpty { pathElement("mark error-bars", d, stroke, &svg) }
        case let .heatmap(h):
            h.render(&svg, xMap: xMap, yMap: yMap)
        case let .segments(segments, stroke):
            var d = ""
            for s in segments {
                let a = xMap.pixel(s.x0), b = yMap.pixel(s.y0), c = xMap.pixel(s.x1), e = yMap.pixel(s.y1)
                if a.isFinite && b.isFinite && c.isFinite && e.isFinite { d += "M\(n(a)) \(n(b))L\(n(c)) \(n(e))" }
            }
            if !d.isEmpty { pathElement("mark contour", d, stroke, &svg) }
        case let .hline(v, stroke):
            let py = yMap.pixel(v)
            if py.isFinite { pathElement("mark reference-line", "M\(n(left)) \(n(py))H\(n(right))", stroke, &svg) }
        case let .vline(v, stroke):
            let px = xMap.pixel(v)
            if px.isFinite { pathElement("mark reference-line", "M\(n(px)) \(n(top))V\(n(bottom))", stroke, &svg) }
        case let .vspan(a, b, fill, opacity):
            let p = xMap.pixel(a), q = xMap.pixel(b)
            if p.isFinite && q.isFinite {
                svg.element("rect", ["class": "mark span", "x": n(min(p, q)), "y": n(top), "width": n(abs(q - p)),
                                     "height": n(bottom - top), "fill": fill.svg, "fill-opacity": n(opacity)])
            }
        case let .hspan(a, b, fill, opacity):
            let p = yMap.pixel(a), q = yMap.pixel(b)
            if p.isFinite && q.isFinite {
                svg.element("rect", ["class": "mark span", "x": n(left), "y": n(min(p, q)), "width": n(right - left),
                                     "height": n(abs(q - p)), "fill": fill.svg, "fill-opacity": n(opacity)])
            }
        case let .text(text, x, y, size, color, anchor, halo):
            let px = xMap.pixel(x), py = yMap.pixel(y)
            if px.isFinite && py.isFinite {
                // A halo: the stroke painted under the glyphs keeps text readable over data.
                svg.textElement(text, x: px, y: py, size: size, anchor: anchor.rawValue, color: color.svg,
                                extra: ["class": "mark annotation", "stroke": halo?.svg,
                                        "stroke-width": halo == nil ? nil : "3", "stroke-opacity": halo == nil ? nil : "0.6",
                                        "paint-order": halo == nil ? nil : "stroke", "stroke-linejoin": halo == nil ? nil : "round"])
            }
        }
    }

    func pathElement(_ cls: String, _ d: String, _ stroke: Stroke, _ svg: inout SVGWriter) {
        svg.raw("<path class=\"\(cls)\" d=\"\(d)\"")
        for (k, v) in strokeAttributes(stroke) { if let v { svg.raw(" \(k)=\"\(v)\"") } }
        svg.raw("/>\n")
    }

    /// One marker centred at `(x, y)` with diameter `size`; fill and edge come from the enclosing group.
    func drawMarker(_ marker: PlotMarker, _ x: Double, _ y: Double, _ size: Double, _ svg: inout SVGWriter) {
        let n = SVGWriter.num
        let r = size / 2
        switch marker {
        case .circle:
            svg.raw("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\"/>\n")
        case .square:
            svg.raw("<rect x=\"\(n(x - r))\" y=\"\(n(y - r))\" width=\"\(n(size))\" height=\"\(n(size))\"/>\n")
        case .triangle:
            svg.raw("<path d=\"M\(n(x)) \(n(y - r * 1.15))L\(n(x + r)) \(n(y + r * 0.75))L\(n(x - r)) \(n(y + r * 0.75))Z\"/>\n")
        case .diamond:
            svg.raw("<path d=\"M\(n(x)) \(n(y - r * 1.2))L\(n(x + r)) \(n(y))L\(n(x)) \(n(y + r * 1.2))L\(n(x - r)) \(n(y))Z\"/>\n")
        case .cross, .plus:
            // Strokes in the fill colour; the group's fill does not apply to lines.
            let d = marker == .plus
                ? "M\(n(x - r)) \(n(y))h\(n(size))M\(n(x)) \(n(y - r))v\(n(size))"
                : "M\(n(x - r)) \(n(y - r))l\(n(size)) \(n(size))M\(n(x - r)) \(n(y + r))l\(n(size)) \(n(-size))"
            svg.raw("<path d=\"\(d)\" stroke=\"currentColor\" stroke-width=\"\(n(max(1.5, size / 4)))\"/>\n")
        }
    }
}
