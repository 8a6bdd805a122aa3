import Foundation

extension Panel {
    /// Square grey-level images (each `side × side` values in [0, 1], row by
    /// row, top row first) tiled `columns` to a row with one-pixel gaps, as one
    /// heat map (dark = the top of `range`, as ink on paper).
    public mutating func images(_ images: [[Double]], side: Int, columns: Int, range: ClosedRange<Double> = 0...1) throws {
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
                    colormap: .grays, range: range, colorbarLabel: nil)
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

extension Figure {
    /// A fitted VAE at a glance: training curves, the first two latent
    /// dimensions of `data`'s codes (coloured by `labels` when given),
    /// reconstructions and samples from the prior. Square images (`D` a
    /// perfect square) are drawn as images, other data as scatter plots of
    /// their first two columns.
    public static func vaeOverview(_ fit: FittedVAE, data: Matrix, labels: [Int]? = nil, seed: UInt64 = 0,
                                   title: String) throws -> Figure {
        let D = fit.inputs, side = Int(Double(D).squareRoot().rounded())
        let isImage = side * side == D && side >= 4
        var fig = Figure(title: title, rows: 2, columns: 2, width: 1100, height: 900)
        try fig.panel(0, 0) { p in try vaeHistory(&p, fit.history, title: "Training (per data point, mean over minibatches)") }
        let codes = try fit.encode(data).mean
        try fig.panel(0, 1) { p in
            p.title = fit.model.latent >= 2 ? "Latent means μ(x)" + (labels == nil ? "" : " by class") : "Latent means μ(x) against row"
            p.xLabel = fit.model.latent >= 2 ? "z₁" : "row"
            p.yLabel = fit.model.latent >= 2 ? "z₂" : "z₁"
            let xs = fit.model.latent >= 2 ? codes.column(0) : (0..<data.rows).map(Double.init)
            let ys = fit.model.latent >= 2 ? codes.column(1) : codes.column(0)
            if let labels, labels.count == data.rows {
                // Okabe-Ito's 8 colours, then grey and brown for classes 9 and 10.
                let extra: [PlotColor] = [.gray(0.45), .hex(0x8C564B), .hex(0x17BECF), .hex(0xBCBD22)]
                for (i, c) in Set(labels).sorted().prefix(12).enumerated() {
                    let idx = labels.indices.filter { labels[$0] == c }
                    try p.scatter(x: idx.map { xs[$0] }, y: idx.map { ys[$0] }, label: "\(c)",
                                  color: i < 8 ? PlotColor.categorical(i) : extra[i - 8], size: 3)
                }
            } else {
                try p.scatter(x: xs, y: ys, label: nil, color: .blue, size: 2)
            }
        }
        let shown = min(12, data.rows)
        let head = try Matrix(rows: shown, columns: D, values: Array(data.values.prefix(shown * D)))
        let recon = try fit.reconstruct(head)
        let samples = try fit.sample(count: isImage ? 35 : max(data.rows, 200), seed: seed)
        if isImage {
            try fig.panel(1, 0) { p in
                p.title = "Data (rows 1, 3), reconstructions (rows 2, 4)"
                p.xLabel = "\(shown) data points"
                let half = (shown + 1) / 2
                var tiles = [[Double]]()
                for r0 in [0, half] where r0 < shown {
                    let r1 = min(r0 + half, shown)
                    tiles += (r0..<r1).map { head.row($0) } + (r0..<r1).map { recon.row($0) }
                }
                try p.images(tiles, side: side, columns: half)
            }
            try fig.panel(1, 1) { p in
                p.title = "Samples: decoder means at z ~ N(0, I)"
                p.xLabel = "35 draws from the prior"
                try p.images((0..<35).map { samples.mean.row($0) }, side: side, columns: 7)
            }
        } else {
            let all = try fit.reconstruct(data)
            try fig.panel(1, 0) { p in
                p.title = "Data (grey) and reconstructions decode(μ(x)) (red), first two columns"
                try p.scatter(x: data.column(0), y: D > 1 ? data.column(1) : (0..<data.rows).map(Double.init), label: "data",
                              color: .gray(0.6), size: 2)
                try p.scatter(x: all.column(0), y: D > 1 ? all.column(1) : (0..<data.rows).map(Double.init),
                              label: "reconstruction", color: .vermillion, size: 2)
            }
            try fig.panel(1, 1) { p in
                p.title = "Data (grey) and decoder means at z ~ N(0, I) (blue)"
                try p.scatter(x: data.column(0), y: D > 1 ? data.column(1) : (0..<data.rows).map(Double.init), label: "data",
                              color: .gray(0.6), size: 2)
                try p.scatter(x: samples.mean.column(0),
                              y: D > 1 ? samples.mean.column(1) : (0..<samples.mean.rows).map(Double.init),
                              label: "f(z)", color: .blue, size: 2)
            }
        }
        return fig
    }
}
