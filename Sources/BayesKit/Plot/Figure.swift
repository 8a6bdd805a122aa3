import Foundation

/// An SVG figure: a title and a grid of ``Panel``s, written by BayesKit
/// itself (no plotting service or dependency).
///
/// ```swift
/// var fig = Figure(title: "Linear model", rows: 1, columns: 2)
/// try fig.panel(0, 0) { p in
///     p.title = "Posterior predictive"; p.xLabel = "x"; p.yLabel = "y"
///     try p.band(x: xs, lower: lo2, upper: hi2, label: "±2σ", opacity: 0.2)
///     try p.line(x: xs, y: mean, label: "mean")
///     try p.scatter(x: xTrain, y: yTrain, label: "data")
/// }
/// try fig.write(to: url)
/// ```
///
/// Sizes are in px; by default each panel gets 640 × 420. Rows and columns
/// share the space in proportion to ``rowWeights`` and ``columnWeights``.
public struct Figure: Sendable {
    public var title: String
    public let rows: Int
    public let columns: Int
    /// Total width and height in px.
    public var width: Double
    public var height: Double
    /// Relative heights of the rows (default all 1).
    public var rowWeights: [Double]
    /// Relative widths of the columns (default all 1).
    public var columnWeights: [Double]
    /// The panels, row by row.
    public private(set) var panels: [Panel]

    /// Default panel size in px.
    public static let panelWidth = 640.0
    public static let panelHeight = 420.0
    static let titleHeight = 40.0
    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    /// A figure of `rows × columns` empty panels. A grid with no cells is
    /// reported when the figure is used (``panel(_:_:_:)``, ``svgString()``).
    public init(title: String = "", rows: Int = 1, columns: Int = 1, width: Double? = nil, height: Double? = nil) {
        self.title = title
        self.rows = rows
        self.columns = columns
        let r = max(rows, 0), c = max(columns, 0)
        self.width = width ?? Self.panelWidth * Double(max(c, 1))
        self.height = height ?? Self.panelHeight * Double(max(r, 1)) + (title.isEmpty ? 0 : Self.titleHeight)
        self.rowWeights = Array(repeating: 1, count: r)
        self.columnWeights = Array(repeating: 1, count: c)
        self.panels = Array(repeating: Panel(), count: r * c)
    }

    /// Edits the panel at (`row`, `column`), both 0-based from the top left.
    /// When `body` throws, the panel is left as it was.
    public mutating func panel(_ row: Int = 0, _ column: Int = 0, _ body: (inout Panel) throws -> Void) throws {
        let index = try checkedIndex(row, column)
        var copy = panels[index]
        try body(&copy)
        panels[index] = copy
    }

    /// The panel at (`row`, `column`).
    public func panel(at row: Int, _ column: Int) throws -> Panel { panels[try checkedIndex(row, column)] }

    /// Replaces the panel at (`row`, `column`).
    public mutating func setPanel(_ panel: Panel, at row: Int, _ column: Int) throws {
        panels[try checkedIndex(row, column)] = panel
    }

    private func checkedIndex(_ row: Int, _ column: Int) throws -> Int {
        try checkGrid()
        guard (0..<rows).contains(row), (0..<columns).contains(column) else {
            throw BayesKitError.invalidArgument(
                "panel (\(row), \(column)) is outside the figure's \(rows) x \(columns) grid")
        }
        return row * columns + column
    }

    private func checkGrid() throws {
        guard rows >= 1, columns >= 1 else {
            throw BayesKitError.invalidArgument("a figure needs at least 1 row and 1 column, got \(rows) x \(columns)")
        }
    }

    /// The figure as an SVG document (UTF-8 text with a viewBox). Throws when
    /// the layout is invalid or a panel's data cannot be shown on its axes
    /// (e.g. a non-positive value on a log axis set after the data were added).
    public func svgString() throws -> String {
        try checkGrid()
        guard width.isFinite, height.isFinite, width >= 50, height >= 50 else {
            throw BayesKitError.invalidArgument("figure size must be at least 50 x 50 px, got \(width) x \(height)")
        }
        try requireSameCount("figure", "rowWeights", rowWeights.count, "rows", rows)
        try requireSameCount("figure", "columnWeights", columnWeights.count, "columns", columns)
        for w in rowWeights + columnWeights where !(w.isFinite && w > 0) {
            throw BayesKitError.invalidArgument("row and column weights must be positive and finite, got \(w)")
        }
        var svg = SVGWriter()
        let w = SVGWriter.num(width), h = SVGWriter.num(height)
        svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        svg.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "width": w, "height": h,
                         "viewBox": "0 0 \(w) \(h)", "font-family": Self.fontFamily])
        svg.element("rect", ["class": "background", "x": "0", "y": "0", "width": w, "height": h, "fill": "#ffffff"])
        var top = 0.0
        if !title.isEmpty {
            svg.textElement(title, x: width / 2, y: 27, size: 18, anchor: "middle", color: "#111111", weight: "bold")
            top = Self.titleHeight
        }
        let rowSum = rowWeights.reduce(0, +), columnSum = columnWeights.reduce(0, +)
        var y = top
        for r in 0..<rows {
            let cellHeight = (height - top) * rowWeights[r] / rowSum
            var x = 0.0
            for c in 0..<columns {
                let cellWidth = width * columnWeights[c] / columnSum
                let panel = panels[r * columns + c]
                if panel.isVisible {
                    for item in panel.marks { try item.checkAxes(x: panel.xScale, y: panel.yScale) }
                    var renderer = try PanelRenderer(panel: panel, x: x, y: y, width: cellWidth, height: cellHeight)
                    renderer.render(&svg, row: r, column: c)
                }
                x += cellWidth
            }
            y += cellHeight
        }
        svg.close("svg")
        return svg.text
    }

    /// Writes ``svgString()`` to `url`. The folder must exist; failures
    /// throw ``BayesKitError/Code/io`` naming the path.
    public func write(to url: URL) throws {
        let text = try svgString()
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw BayesKitError.io("cannot write figure to \(url.path): \(error.localizedDescription)")
        }
    }
}
