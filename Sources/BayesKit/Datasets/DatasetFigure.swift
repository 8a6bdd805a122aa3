/// Figures of the embedded datasets.
extension Dataset {
    /// Draws the observations over the noise-free function into `panel`;
    /// for the oscillator the observation window is shaded so that the
    /// extrapolation region (to t = 8) stands out.
    public func draw(into panel: inout Panel) throws {
        panel.title = name
        panel.xLabel = name == "oscillator" ? "t" : "x"
        panel.yLabel = name == "oscillator" ? "x(t)" : "y"
        if name == "oscillator", let last = x.last {
            try panel.verticalSpan(from: 0, to: last, label: "observed window")
        }
        try panel.line(x: truthX, y: truthY, label: "truth", color: .black, dash: .dashed)
        try panel.scatter(x: x, y: y, label: "data (n = \(count), noise sd \(noiseStd))")
    }

    /// A one-panel figure of the dataset.
    public func figure() throws -> Figure {
        var fig = Figure(title: "")
        try fig.panel(0, 0) { try draw(into: &$0) }
        return fig
    }
}
