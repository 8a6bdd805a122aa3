/// A dash pattern for lines.
public enum LineDash: Sendable, Hashable {
    case solid
    case dashed
    case dotted
    case dashDot
    /// Alternating dash and gap lengths in px.
    case custom([Double])

    var svg: String? {
        switch self {
        case .solid: return nil
        case .dashed: return "6 4"
        case .dotted: return "1.5 3"
        case .dashDot: return "6 3 1.5 3"
        case .custom(let pattern): return pattern.map { SVGWriter.num($0) }.joined(separator: " ")
        }
    }
}

/// The shape drawn at each point of a scatter mark.
public enum PlotMarker: String, Sendable, Hashable, CaseIterable {
    case circle, square, triangle, diamond, cross, plus
}

/// Where a panel draws its legend.
public enum LegendPosition: Sendable, Hashable {
    /// The inside corner that covers the fewest data points (top right on ties).
    case auto
    case topLeft, topRight, bottomLeft, bottomRight
    /// To the right of the plot area, top aligned; never hides data.
    case outsideRight
    /// No legend.
    case hidden
}

/// Horizontal alignment of a text annotation at its anchor point.
public enum TextAnchor: String, Sendable, Hashable {
    case start, middle, end
}

/// One panel (axes) of a ``Figure``: its labels, axes, legend and the marks
/// drawn in it, in the order they were added (later marks on top).
///
/// Marks are added with throwing methods (`line`, `scatter`, `band`, ...)
/// that check their input at once: mismatched lengths throw
/// ``BayesKitError/Code/dimensionMismatch``, values a log axis cannot show
/// throw ``BayesKitError/Code/invalidArgument``. Non-finite data values are
/// not errors: those points are skipped (lines break there).
/// A mark without a `color` takes the next Okabe–Ito colour.
public struct Panel: Sendable {
    public var title = ""
    public var xLabel = ""
    public var yLabel = ""
    /// Linear or log10; set before adding marks to get errors at once (they are
    /// checked again when the figure is rendered).
    public var xScale: AxisScale = .linear
    public var yScale: AxisScale = .linear
    /// Fixed axis limits; `nil` fits the data with a small margin.
    public var xLimits: ClosedRange<Double>?
    public var yLimits: ClosedRange<Double>?
    /// Replaces the automatic ticks (e.g. category names under bars).
    public var xTicks: AxisTicks?
    public var yTicks: AxisTicks?
    /// Light grid lines at the major ticks.
    public var showsGrid = true
    /// Tick labels under the x axis / left of the y axis (ticks stay either way);
    /// off for panels that share an axis with a neighbour.
    public var showsXTickLabels = true
    public var showsYTickLabels = true
    public var legend: LegendPosition = .auto
    /// An invisible panel leaves its cell of the grid empty.
    public var isVisible = true
    /// Fixed distances in px from the cell's edges to the plot area; `nil`
    /// sides are sized to fit tick labels, titles and colour bar. Equal
    /// insets line up the axes of neighbouring panels.
    public var insets = PanelInsets()

    var marks: [MarkItem] = []
    var legendEntries: [LegendEntry] = []
    var colorbar: ColorbarSpec?
    var colorCount = 0

    public init(title: String = "", xLabel: String = "", yLabel: String = "") {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// True when nothing has been drawn in the panel.
    public var isEmpty: Bool { marks.isEmpty }

    /// The colour a new series without an explicit colour receives.
    mutating func takeColor(_ color: PlotColor?) -> PlotColor {
        if let color { return color }
        defer { colorCount += 1 }
        return .categorical(colorCount)
    }

    /// Validates `item` against the current axes, then stores it with its legend entry.
    mutating func add(_ item: MarkItem, legend label: String?, swatch: Swatch) throws {
        try item.checkAxes(x: xScale, y: yScale)
        marks.append(item)
        if let label, !label.isEmpty { legendEntries.append(LegendEntry(label: label, swatch: swatch)) }
    }
}

/// Distances in px from a panel's cell edges to its plot area (`nil`: automatic).
public struct PanelInsets: Sendable, Hashable {
    public var left: Double?
    public var right: Double?
    public var top: Double?
    public var bottom: Double?

    public init(left: Double? = nil, right: Double? = nil, top: Double? = nil, bottom: Double? = nil) {
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
    }
}

// MARK: - Stored marks

struct Stroke: Sendable {
    var color: PlotColor
    var width: Double
    var dash: LineDash = .solid
    var opacity: Double = 1
}

struct PlotRect: Sendable {
    var x0: Double, x1: Double
    /// `nil`: the baseline (0 on a linear axis, the bottom of a log axis).
    var y0: Double?
    var y1: Double
}

struct HeatmapData: Sendable {
    var x: [Double]
    var y: [Double]
    /// `values[j][i]` is the value at `(x[i], y[j])`.
    var values: [[Double]]
    var colormap: Colormap
    var range: ClosedRange<Double>
}

struct ColorbarSpec: Sendable {
    var colormap: Colormap
    var range: ClosedRange<Double>
    var label: String
}

enum Mark: Sendable {
    case lines(x: [Double], ys: [[Double]], stroke: Stroke)
    case scatter(x: [Double], y: [Double], marker: PlotMarker, size: Double, fill: PlotColor, edge: PlotColor?, opacity: Double)
    case band(along: [Double], lower: [Double], upper: [Double], horizontal: Bool, fill: PlotColor, opacity: Double)
    case rects([PlotRect], fill: PlotColor, opacity: Double, edge: PlotColor?)
    case stems(x: [Double], y: [Double], stroke: Stroke)
    case errorBars(x: [Double], lower: [Double], upper: [Double], stroke: Stroke)
    case heatmap(HeatmapData)
    case segments([ContourSegment], stroke: Stroke)
    case hline(Double, Stroke)
    case vline(Double, Stroke)
    case vspan(Double, Double, fill: PlotColor, opacity: Double)
    case hspan(Double, Double, fill: PlotColor, opacity: Double)
    case text(String, x: Double, y: Double, size: Double, color: PlotColor, anchor: TextAnchor, halo: PlotColor?)
}

/// A mark and the name used for it in error messages ("line", "band", ...).
struct MarkItem: Sendable {
    var name: String
    var mark: Mark

    /// Throws when a log axis would have to show a non-positive value.
    func checkAxes(x: AxisScale, y: AxisScale) throws {
        func positive(_ values: [Double], _ what: String, _ scale: AxisScale, _ axis: String) throws {
            guard scale == .log10 else { return }
            if let i = values.firstIndex(where: { $0.isFinite && $0 <= 0 }) {
                throw BayesKitError.invalidArgument(
                    "\(name) \(what) has a non-positive value (\(values[i])) at index \(i), but the \(axis) axis is log10")
            }
        }
        switch mark {
        case let .lines(xs, ys, _):
            try positive(xs, "x", x, "x")
            for (k, row) in ys.enumerated() { try positive(row, ys.count == 1 ? "y" : "y[\(k)]", y, "y") }
        case let .scatter(xs, ys, _, _, _, _, _), let .stems(xs, ys, _):
            try positive(xs, "x", x, "x")
            if case .scatter = mark { try positive(ys, "y", y, "y") }
        case let .band(along, lower, upper, horizontal, _, _):
            try positive(along, horizontal ? "y" : "x", horizontal ? y : x, horizontal ? "y" : "x")
            try positive(lower, horizontal ? "left" : "lower", horizontal ? x : y, horizontal ? "x" : "y")
            try positive(upper, horizontal ? "right" : "upper", horizontal ? x : y, horizontal ? "x" : "y")
        case let .rects(rects, _, _, _):
            try positive(rects.flatMap { [$0.x0, $0.x1] }, "bin edges", x, "x")
        case let .errorBars(xs, lower, upper, _):
            try positive(xs, "x", x, "x")
            try positive(lower, "lower", y, "y")
            try positive(upper, "upper", y, "y")
        case let .heatmap(h):
            try positive(h.x, "x", x, "x")
            try positive(h.y, "y", y, "y")
        case let .segments(segments, _):
            try positive(segments.flatMap { [$0.x0, $0.x1] }, "x", x, "x")
            try positive(segments.flatMap { [$0.y0, $0.y1] }, "y", y, "y")
        case let .hline(v, _): try positive([v], "y", y, "y")
        case let .vline(v, _): try positive([v], "x", x, "x")
        case let .vspan(a, b, _, _): try positive([a, b], "x", x, "x")
        case let .hspan(a, b, _, _): try positive([a, b], "y", y, "y")
        case let .text(_, tx, ty, _, _, _, _):
            try positive([tx], "x", x, "x")
            try positive([ty], "y", y, "y")
        }
    }
}

// MARK: - Legend

enum Swatch: Sendable {
    case line(Stroke)
    case marker(PlotMarker, size: Double, fill: PlotColor, edge: PlotColor?, opacity: Double)
    case lineAndMarker(Stroke, PlotMarker)
    case patch(PlotColor, opacity: Double)
}

struct LegendEntry: Sendable {
    var label: String
    var swatch: Swatch
}

// MARK: - Input checks shared by the mark builders

/// Throws `dimensionMismatch` "line x has 200 values but y has 199".
func requireSameCount(_ mark: String, _ aName: String, _ a: Int, _ bName: String, _ b: Int) throws {
    if a != b { throw BayesKitError.dimensionMismatch("\(mark) \(aName) has \(a) values but \(bName) has \(b)") }
}

/// Throws `invalidArgument` unless `value` is finite and positive.
func requirePositiveParameter(_ value: Double, _ what: String) throws {
    if !(value.isFinite && value > 0) {
        throw BayesKitError.invalidArgument("\(what) must be positive and finite, got \(value)")
    }
}

/// Throws `invalidArgument` unless `value` is in `0...1`.
func requireOpacity(_ value: Double, _ what: String = "opacity") throws {
    if !(value >= 0 && value <= 1) {
        throw BayesKitError.invalidArgument("\(what) must be in [0, 1], got \(value)")
    }
}
