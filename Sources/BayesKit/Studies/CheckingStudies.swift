import Foundation

/// Model checking on seed 000's sine posterior (issue 17).
enum CheckingStudies {
    /// `check-sine`: seed 000's BNN fitted by its random-walk MH, by NUTS and by
    /// mean-field VI; a posterior predictive check of each and a PSIS-LOO
    /// comparison (elpd, its se, the difference to the best and its se,
    /// Pareto k) of the three fits.
    static func sine(seed: UInt64 = 0, threads: Int? = nil, viEpochs: Int = 1000) throws -> StudyResult {
        let data = try Datasets.sine()
        let bnn = try MCMCStudies.seed000Model()
        let x = try Matrix(rows: data.x.count, columns: 1, values: data.x)
        let y = try Matrix(rows: data.y.count, columns: 1, values: data.y)
        let initial = Initialization.mse(steps: 200, learningRate: 0.01)
        let mh = try MCMC.seed000(chains: 4).run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads)
        let nuts = try MCMC(kernel: NUTS(), chains: 4, warmup: 500, draws: 1000)
            .run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads)
        let q = try MeanFieldVI(epochs: viEpochs).fit(architecture: bnn.architecture, likelihood: bnn.likelihood,
                                                      prior: bnn.prior, x: data.x, y: data.y, seed: seed, threads: threads)
        // 1000 draws each: every 4th of MH's 4 x 1000 kept, every 4th of NUTS's 4 x 1000, 1000 from q.
        let fits: [(String, Matrix, Int?)] = [
            ("MH", try mh.evenlySpacedDraws(maximum: 1000), 4),
            ("NUTS", try nuts.evenlySpacedDraws(maximum: 1000), 4),
            ("VI", try q.sampleWeights(count: 1000, stream: try RandomStream(seed: seed, stream: 7)), nil),
        ]
        var loos: [(name: String, loo: ModelChecking.LOO)] = []
        var checks: [(String, PredictiveCheck.Check)] = []
        for (name, draws, chains) in fits {
            let ll = try bnn.pointwiseLogLikelihood(weightDraws: draws, x: x, y: y, threads: threads)
            let reff = try chains.map { try ModelChecking.relativeEfficiency(logLikelihood: ll, chains: $0) }
            loos.append((name, try ModelChecking.loo(logLikelihood: ll, relativeEfficiency: reff, threads: threads)))
            checks.append((name, try PredictiveCheck.posterior(bnn, weightDraws: draws, x: x, y: data.y,
                                                               statistics: [.sd, .min, .max], seed: seed &+ 11)))
        }
        let comparison = try ModelChecking.compare(loos)
        var fig = Figure(title: "Seed 000's sine: posterior predictive checks of MH, NUTS and mean-field VI (T = sd, min, max)",
                         rows: 3, columns: 4, width: 1400, height: 1000)
        for (i, (name, check)) in checks.enumerated() {
            let single = try PredictiveCheck.figure(check, title: name)
            for j in 0..<4 {
                var panel = try single.panel(at: 0, j)
                panel.title = "\(name): " + panel.title
                try fig.setPanel(panel, at: i, j)
            }
        }
        var rows = [[String]]()
        var summary: [String: JSONValue] = ["seed": .number(Double(seed)), "vi_epochs": .number(Double(viEpochs)),
                                            "draws_per_fit": .number(1000)]
        for c in comparison {
            let loo = loos.first { $0.name == c.name }?.loo
            let check = checks.first { $0.0 == c.name }?.1
            let ps = check?.results.map(\.pValue) ?? []
            rows.append([c.name, cell(c.elpd), cell(c.se), cell(c.elpdDifference), cell(c.differenceSE),
                         cell(loo?.paretoK.max() ?? .nan)] + ps.map(cell))
            summary[c.name.lowercased()] = .object([
                "elpd_loo": .number(c.elpd), "se": .number(c.se), "elpd_diff": .number(c.elpdDifference),
                "diff_se": .number(c.differenceSE), "p_loo": .number(c.effectiveParameters),
                "max_pareto_k": .number(loo?.paretoK.max() ?? .nan),
                "ppc_p": .object(Dictionary(uniqueKeysWithValues: (check?.results ?? []).map { ($0.statistic, JSONValue.number($0.pValue)) })),
            ])
        }
        let best = comparison.first?.name ?? "-"
        return StudyResult(
            name: "check-sine", title: "Checking seed 000's fits: predictive checks and PSIS-LOO",
            seedDocument: "seed 000 (MH, VI, their comparison); issue 17",
            description: """
                Seed 000's sine model fitted three ways (its random-walk MH, 4 chains; NUTS, 4 x (500 + 1000); \
                mean-field VI, \(viEpochs) epochs), 1000 posterior draws each. Posterior predictive checks replicate \
                the 20 observations from every draw and compare the sd, min and max with the data's (p-values near \
                0 or 1 would flag a misfit); PSIS-LOO (Vehtari, Gelman & Gabry 2017) estimates each fit's expected \
                log predictive density for a new point, with the difference to the best fit and its standard \
                error; Pareto k above 0.7 marks observations whose leave-one-out estimate is unreliable.
                """,
            figures: [StudyFigure(file: "check-sine.svg", figure: fig)],
            summary: summary,
            table: StudyTable(header: ["fit", "elpd_loo", "se", "Δ elpd", "se Δ", "max k", "p(sd)", "p(min)", "p(max)"],
                              rows: rows),
            headline: "best elpd_loo: \(best) (\(comparison.map { "\($0.name) \(cell($0.elpd))" }.joined(separator: ", ")))")
    }
}
