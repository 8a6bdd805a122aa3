import Foundation

extension Panel {
    /// Square grey-level images (each `side × side` values in [0, 1], row by
    /// row, top row first) tiled `columns` to a row with one-pixel gaps, as one
    /// heat map (dark = 1, as ink on paper).
    public mutating func images(_ images: [[Double]], side: Int, columns: Int) throws {
        guard side >= 1, columns >= 1, !images.isEmpty else {
            throw BayesKitError.invalidArgument("an image mosaic needs side >= 1, columns >= 1 and at least one image")
        }
        if let bad = images.firstIndex(where: { $0.count != side * side }) {
            throw BayesKitError.dimensionMismatch("image \(bad + 1) has \(images[bad].count) pixels, expected \(side * side)")
        }
        let rows = (images.count + columns - 1) / columns
        let width = columns * (side + 1) - 1, height = rows * (side + 1) - 1
        var grid = [[Double]](repeating: [Double](repeating: .nan, count: width), count: height)
        for (i, image) in images.enumerated() {
            let r0 = (i / columns) * (side + 1), c0 = (i % columns) * (side + 1)
            for r in 0..<side {
                for c in 0..<side { grid[r0 + r][c0 + c] = image[r * side + c] }
            }
        }
        // The heat map draws its first row at the bottom: flip so the top row is first.
        try heatmap(x: (0..<width).map(Double.init), y: (0..<height).map(Double.init), values: Array(grid.reversed()),
                    colormap: .grays, range: 0...1, colorbarLabel: nil)
        showsGrid = false
        showsXTickLabels = false
        showsYTickLabels = false
    }
}

extension Figure {
    /// Training curves of a VAE: ELBO, reconstruction term and KL per epoch.
    static func vaeHistory(_ panel: inout Panel, _ history: VAEHistory, title: String) throws {
        let e = (1...max(history.epochs, 1)).map(Double.init)
        panel.title = title
        panel.xLabel = "epoch"
        panel.yLabel = "nats per data point"
        try panel.line(x: e, y: history.elbo, label: "ELBO", color: .blue)
        try panel.line(x: e, y: history.reconstruction, label: "E_q log p(x|z)", color: .bluishGreen)
        try panel.line(x: e, y: history.kl.map { -$0 }, label: "−KL", color: .vermillion)
    }
}
