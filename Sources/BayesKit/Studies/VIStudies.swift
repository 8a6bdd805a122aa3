import Foundation

/// The variational-inference studies of the seeds.
public enum VIStudies {
    /// Seed 000's printed final ELBO, expected log-likelihood and KL after 3000 epochs.
    public static let seed000Printed = (elbo: -27.71, logLikelihood: 18.08, kl: 45.78)

    /// `vi-sine`: seed 000 §7.5. Mean-field Gaussian VI of the 1-5-1 ReLU
    /// network on the 20-point sine data: means N(0, 0.1²), log σ = −3,
    /// prior N(0, 1), noise 0.1, 5 draws per step, Adam(0.01), closed-form
    /// KL, full batch; `epochs` (the seed: 3000; the demo: 1000). The
    /// predictive uses 1000 draws (stream 1 of `seed`), 100 of them drawn.
    public static func sine(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 1000) throws -> StudyResult {
        let data = try Datasets.sine()
        let architecture = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        let vi = MeanFieldVI(samples: 5, epochs: epochs, learningRate: 0.01)
        let post = try vi.fit(architecture: architecture, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                              x: data.x, y: data.y, seed: seed, threads: threads)
        let h = post.history
        let window = min(100, h.epochs)
        let elbo = VIHistory.trailingMean(h.elbo, window: window)
        let ell = VIHistory.trailingMean(h.expectedLogLikelihood, window: window)
        let kl = VIHistory.trailingMean(h.kl, window: window)
        let prediction = try post.predict(data.truthX, samples: 1000, stream: try RandomStream(seed: seed, stream: 1),
                                          keepFunctionSamples: true, threads: threads)
        let printed = seed000Printed
        let elboFig = try VIFigures.elbo(h, title: "Mean-field VI on the sine data (1-5-1 ReLU, 5 draws per step, \(epochs) epochs): ELBO = E_q[log p] − KL")
        let predFig = try VIFigures.predictive(
            prediction, x: data.x, y: data.y, truth: (data.truthX, data.truthY), draws: 100,
            title: "VI predictive: mean-field Gaussian q over 16 weights, 1000 draws (100 shown)", yLimits: -2...2)
        let sigma = post.standardDeviations
        let epi = prediction.epistemicSD.values
        let inside = zip(data.truthX, epi).filter { abs($0.0) <= 3 }.map(\.1)
        return StudyResult(
            name: "vi-sine", title: "Mean-field variational inference on the sine data", seedDocument: "seed 000, section 7.5",
            description: """
                Seed 000's variational BNN: every weight of the 1-5-1 ReLU network gets q(w) = N(mu, sigma^2), \
                mu initialised N(0, 0.1^2) and log sigma at -3, prior N(0, 1), Gaussian noise 0.1. The ELBO \
                E_q[log p(y | w)] - KL(q || p) is estimated with 5 reparameterized draws per step (closed-form KL) \
                and maximised with Adam (lr 0.01) for \(epochs) epochs (the notebook: 3000). The left figure shows \
                the ELBO and its two terms over training; the right one the predictive from 1000 draws of q with \
                the +-2 sigma total and epistemic bands, 100 function draws and the network at the mean weights. \
                The notebook printed a final ELBO of -27.71 (log-likelihood 18.08, KL 45.78) after 3000 epochs; \
                with 5 draws the per-epoch ELBO is noisy, so the summary gives means over the last \(window) epochs.
                """,
            figures: [StudyFigure(file: "vi-sine-elbo.svg", figure: elboFig), StudyFigure(file: "vi-sine.svg", figure: predFig)],
            summary: [
                "epochs": .number(Double(epochs)), "samples": .number(5), "learning_rate": .number(0.01),
                "final_elbo": .number(h.elbo.last ?? .nan), "final_exp_loglik": .number(h.expectedLogLikelihood.last ?? .nan),
                "final_kl": .number(h.kl.last ?? .nan), "smoothed_window": .number(Double(window)),
                "smoothed_elbo": .number(elbo), "smoothed_exp_loglik": .number(ell), "smoothed_kl": .number(kl),
                "notebook_final_elbo": .number(printed.elbo), "notebook_final_loglik": .number(printed.logLikelihood),
                "notebook_final_kl": .number(printed.kl), "training_s": .number(h.seconds.last ?? .nan),
                "mean_sigma": .number(sigma.reduce(0, +) / Double(sigma.count)),
                "max_sigma": .number(sigma.max() ?? .nan), "min_sigma": .number(sigma.min() ?? .nan),
                "mean_epistemic_sd_in_data_range": .number(inside.reduce(0, +) / Double(max(inside.count, 1))),
                "max_epistemic_sd": .number(epi.max() ?? .nan), "predictive_draws": .number(1000),
                "predictive_stream": .number(1), "seed": .number(Double(seed)),
            ],
            table: StudyTable(header: ["quantity", "BayesKit (last \(window) epochs)", "notebook (epoch 3000)"],
                              rows: [["ELBO", cell(elbo), cell(printed.elbo)],
                                     ["E_q log-lik", cell(ell), cell(printed.logLikelihood)],
                                     ["KL", cell(kl), cell(printed.kl)]]),
            headline: String(format: "ELBO %.2f (log-lik %.2f, KL %.2f) over the last %d of %d epochs; notebook -27.71 (18.08, 45.78) at 3000",
                             elbo, ell, kl, window, epochs))
    }
}
