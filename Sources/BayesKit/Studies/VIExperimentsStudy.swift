import Foundation

/// Seed 000 §7.6's three "possible experiments" with mean-field VI on the
/// sine data: network width, training-set size and prior scale.
public enum VIExperimentsStudy {
    /// The notebook's printed final ELBOs of experiment 1 (hidden 2, 5, 10, 20; 2000 epochs).
    public static let notebookHiddenELBO: [Int: Double] = [2: -104.90, 5: -32.13, 10: -45.72, 20: -76.40]

    /// One fitted setting: its smoothed final ELBO, the predictive on the
    /// 200-point grid and the mean epistemic sd inside / outside the data range.
    struct Run {
        let label: String
        let posterior: VariationalPosterior
        let prediction: VariationalPrediction
        let data: Dataset
        let smoothedELBO: Double
        let sdInside: Double, sdOutside: Double, rmse: Double

        init(label: String, data: Dataset, hidden: Int, priorStd: Double, epochs: Int, seed: UInt64, threads: Int?) throws {
            let arch = try NetworkArchitecture(layers: [1, hidden, 1], activation: .relu)
            let q = try MeanFieldVI(samples: 5, epochs: epochs, learningRate: 0.01)
                .fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: priorStd), x: data.x, y: data.y,
                     seed: seed, threads: threads)
            let grid = data.truthX
            let pred = try q.predict(grid, samples: 100, stream: try RandomStream(seed: seed, stream: 1), keepFunctionSamples: true,
                                     threads: threads)
            let lo = data.x.min() ?? 0, hi = data.x.max() ?? 0
            let epi = pred.epistemicSD.values
            let inside = grid.indices.filter { grid[$0] >= lo && grid[$0] <= hi }, outside = grid.indices.filter { grid[$0] < lo || grid[$0] > hi }
            self.label = label
            posterior = q
            prediction = pred
            self.data = data
            smoothedELBO = VIHistory.trailingMean(q.history.elbo, window: 100)
            sdInside = inside.reduce(0) { $0 + epi[$1] } / Double(max(inside.count, 1))
            sdOutside = outside.isEmpty ? .nan : outside.reduce(0) { $0 + epi[$1] } / Double(outside.count)
            rmse = (zip(pred.mean.values, data.truthY).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(grid.count)).squareRoot()
        }

        var record: JSONValue {
            .object(["label": .string(label), "smoothed_elbo": .number(smoothedELBO),
                     "final_elbo": .number(posterior.history.elbo.last ?? .nan),
                     "final_exp_loglik": .number(posterior.history.expectedLogLikelihood.last ?? .nan),
                     "final_kl": .number(posterior.history.kl.last ?? .nan),
                     "mean_epistemic_sd_inside": .number(sdInside), "mean_epistemic_sd_outside": .number(sdOutside),
                     "rmse_vs_truth": .number(rmse), "n": .number(Double(data.count)),
                     "mean_sigma": .number(posterior.standardDeviations.reduce(0, +) / Double(posterior.dimension))])
        }
    }

    static func figure(_ runs: [Run], title: String, rows: Int, columns: Int) throws -> Figure {
        var fig = Figure(title: title, rows: rows, columns: columns, width: 620 * Double(columns), height: 440 * Double(rows))
        for (i, r) in runs.enumerated() {
            try fig.panel(i / columns, i % columns) { p in
                try VIFigures.drawPredictive(r.prediction, x: r.data.x, y: r.data.y, truth: (r.data.truthX, r.data.truthY),
                                             draws: 100, into: &p)
                p.title = String(format: "%@ (ELBO %.1f)", r.label, r.smoothedELBO)
                p.yLimits = -2.5...2.5
                p.legend = i == 0 ? .topLeft : .hidden
            }
        }
        return fig
    }

    /// `vi-experiments`: seed 000 §7.6. Every run: 1-h-1 ReLU, means
    /// N(0, 0.1²), log σ = −3, noise 0.1, 5 draws, Adam(0.01), closed-form
    /// KL, `epochs` epochs (the notebook's experiment 1: 2000), 100
    /// predictive draws. (1) hidden 2, 5, 10, 20 with prior N(0, 1) on the
    /// 20 points; (2) training sets of 5, 10, 20, 50 points (np.random.seed(42)
    /// each, as the notebook's generator), hidden 5; (3) prior std 0.1, 1, 10, hidden 5.
    public static func run(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 2000) throws -> StudyResult {
        let sine = try Datasets.sine()
        let hidden = try [2, 5, 10, 20].map {
            try Run(label: "hidden size \($0)", data: sine, hidden: $0, priorStd: 1, epochs: epochs, seed: seed, threads: threads)
        }
        let sizes = try [5, 10, 20, 50].map {
            try Run(label: "n = \($0)", data: try Datasets.sine(size: $0), hidden: 5, priorStd: 1, epochs: epochs, seed: seed,
                    threads: threads)
        }
        let priors = try [0.1, 1, 10].map {
            try Run(label: "prior std \(cell($0))", data: sine, hidden: 5, priorStd: $0, epochs: epochs, seed: seed, threads: threads)
        }
        let figs = [
            StudyFigure(file: "vi-experiments-hidden.svg",
                        figure: try figure(hidden, title: "Seed 000 experiment 1: hidden layer size (\(epochs) epochs)", rows: 2, columns: 2)),
            StudyFigure(file: "vi-experiments-size.svg",
                        figure: try figure(sizes, title: "Seed 000 experiment 2: training-set size (hidden 5)", rows: 2, columns: 2)),
            StudyFigure(file: "vi-experiments-prior.svg",
                        figure: try figure(priors, title: "Seed 000 experiment 3: prior std (hidden 5)", rows: 1, columns: 3)),
        ]
        var rows: [[String]] = []
        for (h, r) in zip([2, 5, 10, 20], hidden) {
            rows.append(["hidden", "\(h)", cell(r.smoothedELBO), cell(notebookHiddenELBO[h] ?? .nan), cell(r.sdInside), cell(r.sdOutside), cell(r.rmse)])
        }
        for (n, r) in zip([5, 10, 20, 50], sizes) {
            rows.append(["training size", "\(n)", cell(r.smoothedELBO), "", cell(r.sdInside), cell(r.sdOutside), cell(r.rmse)])
        }
        for (s, r) in zip([0.1, 1, 10], priors) {
            rows.append(["prior std", cell(s), cell(r.smoothedELBO), "", cell(r.sdInside), cell(r.sdOutside), cell(r.rmse)])
        }
        let best = hidden.max { $0.smoothedELBO < $1.smoothedELBO }!
        return StudyResult(
            name: "vi-experiments", title: "Seed 000's VI experiments: width, data size, prior scale",
            seedDocument: "seed 000, section 7.6 (possible experiments)",
            description: """
                Seed 000's three experiments with mean-field VI of the 1-h-1 ReLU network on the sine data (noise \
                0.1, 5 draws per step, Adam lr 0.01, closed-form KL, \(epochs) epochs). (1) Hidden size 2, 5, 10, 20: \
                the notebook printed final ELBOs -104.9, -32.1, -45.7, -76.4 (one noisy epoch each); the ELBO \
                peaks at a moderate width because every extra weight pays KL. (2) Training-set size 5, 10, 20, 50 \
                (the notebook's generator with np.random.seed(42)): the epistemic band shrinks where data are dense. \
                (3) Prior std 0.1, 1, 10: a tight prior underfits (it pulls the weights to 0), a wide one makes the \
                KL large and the ELBO low. ELBOs are means over the last 100 epochs; epistemic sd is averaged over \
                the grid inside and outside the data's x range.
                """,
            figures: figs,
            summary: [
                "epochs": .number(Double(epochs)), "samples": .number(5), "learning_rate": .number(0.01), "seed": .number(Double(seed)),
                "hidden": .array(hidden.map(\.record)), "training_size": .array(sizes.map(\.record)), "prior_std": .array(priors.map(\.record)),
                "notebook_hidden_final_elbo": .array([2, 5, 10, 20].map { .number(notebookHiddenELBO[$0]!) }),
            ],
            table: StudyTable(header: ["experiment", "setting", "ELBO (last 100)", "notebook ELBO", "epistemic sd inside", "outside", "RMSE vs truth"],
                              rows: rows),
            headline: String(format: "best width by ELBO: %@ (%.1f); ELBO by hidden 2/5/10/20: %.1f / %.1f / %.1f / %.1f (notebook -104.9 / -32.1 / -45.7 / -76.4)",
                             best.label, best.smoothedELBO, hidden[0].smoothedELBO, hidden[1].smoothedELBO, hidden[2].smoothedELBO,
                             hidden[3].smoothedELBO))
    }
}
