/// Accumulates SVG markup. Every number goes through ``num(_:)`` (two
/// decimals, never NaN) and every piece of text through ``escape(_:)``, so
/// the output is well-formed XML whatever the data and labels hold.
struct SVGWriter {
    private(set) var text = ""
    private var nextID = 0

    init() { text.reserveCapacity(1 << 16) }

    /// A document-unique id with the given prefix, for clip paths and gradients.
    mutating func uniqueID(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    /// Escapes the five XML special characters and drops control characters
    /// XML 1.0 forbids.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default:
                if ch.value >= 0x20 { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A coordinate: rounded to 0.01, trailing zeros dropped; non-finite becomes 0
    /// (callers skip non-finite points before this, it is only a guard).
    static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (min(max(v, -1e6), 1e6) * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(r)
        if s.contains("e") { s = String(Int(r.rounded())) }
        return s
    }

    /// Appends raw markup.
    mutating func raw(_ s: String) { text += s }

    /// Appends `<name attr="value" .../>`; `nil` values are omitted.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String?>) {
        text += "<" + name
        appendAttributes(attributes)
        text += "/>\n"
    }

    /// Appends `<name ...>` and leaves it open until ``close(_:)``.
    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String?> = [:]) {
        text += "<" + name
        appendAttributes(attributes)
        text += ">\n"
    }

    mutating func close(_ name: String) { text += "</\(name)>\n" }

    /// A `<text>` element; `content` is escaped here.
    mutating func textElement(_ content: String, x: Double, y: Double, size: Double = 12,
                              anchor: String = "start", color: String = "#222222",
                              extra: KeyValuePairs<String, String?> = [:], weight: String? = nil,
                              rotate: Double? = nil, baseline: String? = nil) {
        text += "<text x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" font-size=\"\(Self.num(size))\" fill=\"\(color)\""
        if anchor != "start" { text += " text-anchor=\"\(anchor)\"" }
        if let weight { text += " font-weight=\"\(weight)\"" }
        if let baseline { text += " dominant-baseline=\"\(baseline)\"" }
        if let rotate { text += " transform=\"rotate(\(Self.num(rotate)) \(Self.num(x)) \(Self.num(y)))\"" }
        appendAttributes(extra)
        text += ">" + Self.escape(content) + "</text>\n"
    }

    private mutating func appendAttributes(_ attributes: KeyValuePairs<String, String?>) {
        for (key, value) in attributes {
            guard let value else { continue }
            text += " \(key)=\"\(Self.escape(value))\""
        }
    }

    /// Path data `M x y L x y ...` through the given pixel points, starting a
    /// new sub-path after every non-finite point so gaps stay gaps. A run of
    /// a single point is dropped (it would draw nothing).
    static func polylinePath(_ xs: [Double], _ ys: [Double]) -> String {
        var d = ""
        var run: [(Double, Double)] = []
        func flush() {
            if run.count >= 2 {
                let keep = simplified(run, tolerance: polylineTolerance)
                d += "M" + num(run[0].0) + " " + num(run[0].1)
                for (i, p) in run.enumerated().dropFirst() where keep[i] { d += "L" + num(p.0) + " " + num(p.1) }
            }
            run.removeAll(keepingCapacity: true)
        }
        for i in 0..<min(xs.count, ys.count) {
            if xs[i].isFinite && ys[i].isFinite { run.append((xs[i], ys[i])) } else { flush() }
        }
        flush()
        return d
    }

    /// Pixels a simplified polyline may deviate from the full one: below what
    /// a screen or a printer shows, so figures look the same at a fraction of
    /// the size (a curve of thousands of points keeps a few hundred).
    static let polylineTolerance = 0.1

    /// Ramer–Douglas–Peucker simplification (Ramer 1972; Douglas & Peucker
    /// 1973): which points to keep so that no dropped point lies farther
    /// than `tolerance` from the segment that replaces it. The end points are
    /// always kept. Iterative, O(n log n) typical.
    static func simplified(_ p: [(Double, Double)], tolerance: Double) -> [Bool] {
        var keep = [Bool](repeating: false, count: p.count)
        guard p.count > 2 else { return [Bool](repeating: true, count: p.count) }
        keep[0] = true
        keep[p.count - 1] = true
        var stack = [(0, p.count - 1)]
        while let (a, b) = stack.popLast() {
            guard b > a + 1 else { continue }
            let (ax, ay) = p[a], (bx, by) = p[b]
            let dx = bx - ax, dy = by - ay, length = (dx * dx + dy * dy).squareRoot()
            var worst = -1.0, index = a
            for i in (a + 1)..<b {
                let (px, py) = p[i]
                let dist = length > 0 ? abs(dy * (px - ax) - dx * (py - ay)) / length
                    : ((px - ax) * (px - ax) + (py - ay) * (py - ay)).squareRoot()
                if dist > worst {
                    worst = dist
                    index = i
                }
            }
            if worst > tolerance {
                keep[index] = true
                stack.append((a, index))
                stack.append((index, b))
            }
        }
        return keep
    }
}
