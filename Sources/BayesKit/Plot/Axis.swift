import Foundation

/// How data values map to positions along an axis.
public enum AxisScale: String, Sendable, Hashable, Codable {
    /// Position proportional to the value.
    case linear
    /// Position proportional to `log10(value)`; every value on the axis must be positive.
    case log10
}

/// Tick positions and their labels along one axis.
public struct AxisTicks: Sendable, Hashable {
    /// Labelled (major) tick values, increasing.
    public var major: [Double]
    /// Unlabelled minor tick values (log axes: 2·10ᵏ ... 9·10ᵏ).
    public var minor: [Double]
    /// One label per major tick.
    public var labels: [String]

    public init(major: [Double], minor: [Double] = [], labels: [String]) {
        self.major = major
        self.minor = minor
        self.labels = labels
    }

    /// Heckbert's "nice numbers" (Graphics Gems, 1990): the step is the
    /// number from {1, 2, 5} × 10ᵏ nearest to `(upper - lower)/(target - 1)`,
    /// and the ticks are the multiples of the step inside `[lower, upper]`.
    /// `[0, 1]` gives 0, 0.2, ..., 1; `[-3, 3]` gives -3, -2, ..., 3.
    ///
    /// Returns no ticks for a non-finite or empty range.
    public static func linear(lower: Double, upper: Double, target: Int = 6) -> AxisTicks {
        guard lower.isFinite, upper.isFinite, upper > lower else { return AxisTicks(major: [], labels: []) }
        let step = niceNumber((upper - lower) / Double(max(target, 2) - 1), round: true)
        // A small slack keeps ticks that sit on the limits despite rounding.
        let slack = step * 1e-9
        let first = (lower / step - 1e-9).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        var values: [Double] = []
        if last >= first {
            for k in Int(first)...Int(last) {
                let v = Double(k) * step
                if v >= lower - slack && v <= upper + slack { values.append(v == 0 ? 0 : v) }
            }
        }
        return AxisTicks(major: values, labels: formatLinear(values, step: step))
    }

    /// Ticks for a log10 axis on `[lower, upper]` (both positive): the powers
    /// of ten inside the range, every `k`-th decade when there are more than
    /// `target + 2`; with fewer than two decades inside, 1-2-5 multiples join them.
    /// Minor ticks at 2..9 × 10ᵏ when the range spans at most 6 decades.
    public static func log10(lower: Double, upper: Double, target: Int = 6) -> AxisTicks {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > lower else { return AxisTicks(major: [], labels: []) }
        let lo = Foundation.log10(lower), hi = Foundation.log10(upper)
        let eps = 1e-9
        let firstDecade = Int((lo - eps).rounded(.up)), lastDecade = Int((hi + eps).rounded(.down))
        let decades = lastDecade >= firstDecade ? Array(firstDecade...lastDecade) : []
        var major: [Double]
        if decades.count >= 2 {
            let every = max(1, Int((Double(decades.count) / Double(max(target, 2) + 2)).rounded(.up)))
            major = decades.filter { $0 % every == 0 }.map { pow(10, Double($0)) }
        } else {
            major = []
            for k in (Int(lo.rounded(.down)) - 1)...(Int(hi.rounded(.up)) + 1) {
                for m in [1.0, 2, 5] {
                    let v = m * pow(10, Double(k))
                    if v >= lower * (1 - eps) && v <= upper * (1 + eps) { major.append(v) }
                }
            }
        }
        var minor: [Double] = []
        if hi - lo <= 6 {
            for k in (Int(lo.rounded(.down)))...(Int(hi.rounded(.up))) {
                for m in 2...9 {
                    let v = Double(m) * pow(10, Double(k))
                    if v >= lower && v <= upper && !major.contains(where: { abs($0 - v) <= 1e-9 * v }) {
                        minor.append(v)
                    }
                }
            }
        }
        return AxisTicks(major: major, minor: minor, labels: formatLog(major))
    }

    /// Heckbert's nice number: the value from {1, 2, 5, 10} × 10ᵏ nearest to
    /// `x` (`round`) or the smallest not below it.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        let exponent = Foundation.log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// Labels with just enough decimals for `step`; scientific notation for
    /// very large or very small magnitudes.
    static func formatLinear(_ values: [Double], step: Double) -> [String] {
        let biggest = values.map { abs($0) }.max() ?? 0
        if biggest >= 1e5 || (biggest > 0 && biggest < 1e-3) {
            // Mantissa digits: enough to tell neighbouring ticks apart.
            let digits = max(0, Int((Foundation.log10(biggest) - Foundation.log10(step)).rounded(.down)))
            return values.map { $0 == 0 ? "0" : String(format: "%.\(digits)e", $0) }
        }
        let decimals = max(0, -Int(Foundation.log10(step).rounded(.down)))
        return values.map { v in
            let s = String(format: "%.\(decimals)f", v)
            return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
        }
    }

    /// `0.001`, `1`, `1000` when every label is in 10⁻³...10³, else `10ᵏ` with
    /// superscript digits (non-decade ticks then read `2×10ᵏ`).
    static func formatLog(_ values: [Double]) -> [String] {
        let exps = values.map { Foundation.log10($0) }
        if exps.allSatisfy({ $0 >= -3.0001 && $0 <= 3.0001 }) {
            return values.map { v in
                let decimals = max(0, -Int((Foundation.log10(v) + 1e-9).rounded(.down)))
                return String(format: "%.\(decimals)f", v)
            }
        }
        return values.map { v in
            let k = Int((Foundation.log10(v) + 1e-9).rounded(.down))
            let m = (v / pow(10, Double(k))).rounded()
            let power = "10" + superscript(k)
            return m == 1 ? power : "\(Int(m))×" + power
        }
    }

    static func superscript(_ k: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return (k < 0 ? "⁻" : "") + String(String(abs(k)).map { digits[Int(String($0))!] })
    }
}

/// Maps data values on one axis to pixel positions.
struct AxisMap: Sendable {
    var scale: AxisScale
    var lower: Double
    var upper: Double
    var pixelStart: Double
    var pixelEnd: Double

    /// The value in the axis' transformed space (NaN for a non-positive value on a log axis).
    func forward(_ v: Double) -> Double {
        switch scale {
        case .linear: return v
        case .log10: return v > 0 ? Foundation.log10(v) : .nan
        }
    }

    func inverse(_ t: Double) -> Double { scale == .linear ? t : pow(10, t) }

    /// The pixel position of `v`; NaN for a value the axis cannot show.
    /// Far-away values are clamped so the SVG holds no huge numbers (the clip
    /// path hides them anyway).
    func pixel(_ v: Double) -> Double {
        let t = forward(v)
        guard t.isFinite else { return .nan }
        let a = forward(lower), b = forward(upper)
        let p = pixelStart + (t - a) / (b - a) * (pixelEnd - pixelStart)
        return min(max(p, -1e5), 1e5)
    }
}
