/// An sRGB colour for figures, components in `0...1`.
///
/// The named colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color
/// Universal Design"), which stays distinguishable under the common forms of
/// colour blindness; ``categorical(_:)`` cycles through it for series that are
/// not given a colour.
public struct PlotColor: Sendable, Hashable {
    public var red: Double
    public var green: Double
    public var blue: Double

    /// Components are clamped to `0...1` (NaN becomes 0).
    public init(red: Double, green: Double, blue: Double) {
        func clamp(_ v: Double) -> Double { v.isNaN ? 0 : min(max(v, 0), 1) }
        self.red = clamp(red)
        self.green = clamp(green)
        self.blue = clamp(blue)
    }

    /// A colour from a 24-bit `0xRRGGBB` literal: `.hex(0x0072B2)`.
    public static func hex(_ rgb: UInt32) -> PlotColor {
        PlotColor(red: Double((rgb >> 16) & 0xFF) / 255,
                  green: Double((rgb >> 8) & 0xFF) / 255,
                  blue: Double(rgb & 0xFF) / 255)
    }

    /// A gray level, 0 = black, 1 = white.
    public static func gray(_ level: Double) -> PlotColor { PlotColor(red: level, green: level, blue: level) }

    /// `#rrggbb`, as written into SVG.
    public var svg: String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for c in [red, green, blue] {
            let v = Int((c * 255).rounded())
            s.append(digits[v >> 4])
            s.append(digits[v & 15])
        }
        return s
    }

    /// Linear interpolation in sRGB: `t = 0` gives `self`, `t = 1` gives `other`.
    public func mixed(with other: PlotColor, _ t: Double) -> PlotColor {
        PlotColor(red: red + (other.red - red) * t,
                  green: green + (other.green - green) * t,
                  blue: blue + (other.blue - blue) * t)
    }

    // Okabe–Ito.
    public static let black = hex(0x000000)
    public static let orange = hex(0xE69F00)
    public static let skyBlue = hex(0x56B4E9)
    public static let bluishGreen = hex(0x009E73)
    public static let yellow = hex(0xF0E442)
    public static let blue = hex(0x0072B2)
    public static let vermillion = hex(0xD55E00)
    public static let reddishPurple = hex(0xCC79A7)
    public static let white = hex(0xFFFFFF)

    /// The Okabe–Ito colours in the order series receive them: the strong
    /// colours first, yellow (weak on white) and black last.
    public static let okabeIto: [PlotColor] = [
        .blue, .orange, .bluishGreen, .vermillion, .reddishPurple, .skyBlue, .black, .yellow,
    ]

    /// The `index`-th colour of ``okabeIto``, cycling.
    public static func categorical(_ index: Int) -> PlotColor {
        let n = okabeIto.count
        return okabeIto[((index % n) + n) % n]
    }
}

/// A sequential colour map: anchor colours at evenly spaced positions in
/// `0...1`, linearly interpolated between them.
public struct Colormap: Sendable, Hashable {
    /// The anchors, first at 0 and last at 1.
    public let anchors: [PlotColor]

    /// Throws when fewer than 2 anchors are given.
    public init(anchors: [PlotColor]) throws {
        guard anchors.count >= 2 else {
            throw BayesKitError.invalidArgument("a colormap needs at least 2 anchor colours, got \(anchors.count)")
        }
        self.anchors = anchors
    }

    private init(unchecked anchors: [PlotColor]) { self.anchors = anchors }

    /// Viridis (van der Walt & Smith 2015, matplotlib's default): perceptually
    /// uniform, readable in gray scale and under colour blindness. Anchors are
    /// matplotlib's table sampled at 0, 0.1, ..., 1.
    public static let viridis = Colormap(unchecked: [
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C,
        0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725,
    ].map { PlotColor.hex($0) })

    /// White to near-black gray ramp.
    public static let grays = Colormap(unchecked: [.gray(1), .gray(0.1)])

    /// The colour at `t` in `0...1` (clamped; NaN gives the first anchor).
    public func color(at t: Double) -> PlotColor {
        let u = t.isNaN ? 0 : min(max(t, 0), 1)
        let scaled = u * Double(anchors.count - 1)
        let i = min(Int(scaled), anchors.count - 2)
        return anchors[i].mixed(with: anchors[i + 1], scaled - Double(i))
    }
}
