import Foundation

/// The cheap-approximation studies of seed 002 (MC dropout, ensembles,
/// SWAG, last-layer Bayes, VI side by side; classification uncertainty).
public enum ApproxStudies {
    /// Held-out sine data: 200 points x ~ U(−3, 3), y = sin x + N(0, 0.1²),
    /// from stream `(seed, 7)` (x, then the noise, point by point).
    public static func sineTest(seed: UInt64 = 0, count: Int = 200) throws -> (x: Matrix, y: [Double]) {
        let rng = try RandomStream(seed: seed, stream: 7)
        var x = [Double](), y = [Double]()
        for _ in 0..<count {
            let v = -3 + 6 * rng.uniform()
            x.append(v)
            y.append(sin(v) + 0.1 * rng.normal())
        }
        return (try Matrix(rows: count, columns: 1, values: x), y)
    }

    /// `approx-compare`: seed 002's table on the 20-point sine data, 1-50-1
    /// ReLU networks, 1000 Adam epochs (lr 0.01) per method, scored on 200
    /// held-out points.
    public static func sine(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 1000) throws -> StudyResult {
        let data = try Datasets.sine()
        let x = try Matrix(rows: data.x.count, columns: 1, values: data.x)
        let test = try sineTest(seed: seed)
        let settings = UncertaintyComparison(epochs: epochs, swagEpochs: 200)
        let rows = try settings.run(ApproxMethod.approximations, xTrain: x, yTrain: data.y, xTest: test.x, yTest: test.y,
                                    seed: seed, threads: threads)
        let fig = try UncertaintyComparison.figure(rows, xTest: test.x, yTest: test.y, xTrain: x, yTrain: data.y,
                                                   title: "Seed 002's comparison on the sine data (20 training points, 200 test points, 1-50-1 ReLU)")
        var summary: [String: JSONValue] = ["epochs": .number(Double(epochs)), "seed": .number(Double(seed)),
                                            "test_points": .number(200), "markdown": .string(UncertaintyComparison.markdown(rows))]
        summary["methods"] = .array(rows.map(rowRecord))
        let best = rows.max { $0.scores.logLikelihood < $1.scores.logLikelihood }
        return StudyResult(
            name: "approx-compare", title: "Cheap approximations side by side on the sine data", seedDocument: "seed 002",
            description: """
                Seed 002's table of practical uncertainty methods, measured: MC dropout (rate 0.1, 50 passes), a \
                deep ensemble of 5 mean-and-variance networks, SWAG (rank 20, 30 draws, 200 SGD epochs of \
                collection after pre-training), last-layer Bayesian linear regression with evidence-optimised \
                alpha and beta, and mean-field VI, all on 1-50-1 ReLU networks trained for \(epochs) epochs on the \
                20 sine points and scored on 200 held-out points: train and predict time, stored model size, \
                RMSE, mean test log-likelihood (the mixture predictive where there is one), 90% coverage and CRPS. \
                The left panel shows observed against nominal coverage of central intervals.
                """,
            figures: [StudyFigure(file: "approx-compare.svg", figure: fig)],
            summary: summary,
            table: StudyTable(header: ["method", "train s", "RMSE", "test log-lik", "90% cov", "CRPS"],
                              rows: rows.map { [$0.method.title, cell($0.trainSeconds), cell($0.scores.rmse),
                                                cell($0.scores.logLikelihood), cell($0.scores.coverage90), cell($0.scores.crps)] }),
            headline: "best test log-likelihood: \(best?.method.title ?? "-") (\(cell(best?.scores.logLikelihood ?? .nan)))")
    }

    /// One row of the comparison as a `result.json` record.
    public static func rowRecord(_ r: UncertaintyComparison.Row) -> JSONValue {
        .object(["method": .string(r.method.rawValue), "train_s": .number(r.trainSeconds),
                 "predict_s": .number(r.predictSeconds), "model_bytes": .number(Double(r.modelBytes)),
                 "rmse": .number(r.scores.rmse), "test_loglik": .number(r.scores.logLikelihood),
                 "coverage_90": .number(r.scores.coverage90), "crps": .number(r.scores.crps),
                 "coverage_nominal": .array(r.coverage.nominal.map { .number($0) }),
                 "coverage_observed": .array(r.coverage.observed.map { .number($0) })])
    }

    /// `approx-moons`: classification uncertainty on two moons (400 points,
    /// noise 0.3; the first 300 train, the rest test): a 5-member softmax
    /// ensemble and MC dropout of 2-32-32-2 ReLU networks; accuracy, NLL,
    /// Brier, ECE before and after temperature scaling of the deterministic
    /// network (T fitted on the test half's first 50 points), and the AUROC
    /// of entropy and mutual information for telling 200 far-away inputs
    /// (a ring of radius 4–6 around the data) from the test points.
    public static func moons(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 500) throws -> StudyResult {
        let all = try Datasets.twoMoons(count: 400, noise: 0.3)
        let train = try all.x.rows(0..<300), labels = Array(all.labels[0..<300])
        let test = try all.x.rows(300..<400), testLabels = Array(all.labels[300..<400])
        let yTrain = labels.map(Double.init)
        let arch = try NetworkArchitecture(layers: [2, 32, 32, 2], activation: .relu)
        let training = Training(head: .softmax, epochs: epochs, batchSize: 32, optimizer: .adam(Adam(learningRate: 0.01)))
        let ensemble = try DeepEnsemble(members: 5, training: training).fit(architecture: arch, x: train, y: yTrain,
                                                                           seed: seed, threads: threads)
        let dropout = try MCDropout(rate: 0.1, passes: 50, training: training).fit(architecture: arch, x: train, y: yTrain,
                                                                                   seed: seed, threads: threads)
        let single = try training.train(architecture: arch, x: train, y: yTrain, seed: seed)
        let laplace = try LastLayerLaplace.fit(architecture: arch, head: .softmax, weights: single.weights, x: train, y: yTrain)
        let oodX = try Datasets.moonsOutOfDistribution(count: 200, seed: seed)
        let logits = try arch.forward(weights: single.weights, inputs: test)
        let calibrationLogits = try logits.rows(0..<50), calibrationLabels = Array(testLabels[0..<50])
        let temperature = try TemperatureScaling.fit(logits: calibrationLogits, labels: calibrationLabels)
        let heldLogits = try logits.rows(50..<100), heldLabels = Array(testLabels[50..<100])
        let before = try Evaluation.classification(labels: heldLabels,
                                                   probabilities: try TemperatureScaling.probabilities(logits: heldLogits))
        let after = try Evaluation.classification(
            labels: heldLabels, probabilities: try TemperatureScaling.probabilities(logits: heldLogits, temperature: temperature))

        var summary: [String: JSONValue] = ["epochs": .number(Double(epochs)), "seed": .number(Double(seed)),
                                            "temperature": .number(temperature)]
        var rows = [[String]]()
        var fig = Figure(title: "Two moons: predictive entropy (total) and mutual information (epistemic) of a 5-member ensemble and MC dropout",
                         rows: 2, columns: 2)
        for (i, (name, inDist, outDist)) in [
            ("ensemble", try ensemble.classify(test, threads: threads), try ensemble.classify(oodX, threads: threads)),
            ("mcdropout", try dropout.classify(test, threads: threads), try dropout.classify(oodX, threads: threads)),
            ("laplace", try laplace.classify(test), try laplace.classify(oodX)),
        ].enumerated() {
            let s = try Evaluation.classification(labels: testLabels, probabilities: inDist.probabilities)
            let aurocEntropy = try Evaluation.auroc(inDistribution: inDist.total, outOfDistribution: outDist.total)
            let aurocMI = try Evaluation.auroc(inDistribution: inDist.epistemic, outOfDistribution: outDist.epistemic)
            summary[name] = .object(s.metrics.mapValues { .number($0) }.merging(
                ["auroc_entropy": .number(aurocEntropy), "auroc_mutual_information": .number(aurocMI)]) { $1 })
            rows.append([name, cell(s.accuracy), cell(s.nll), cell(s.brier), cell(s.ece), cell(aurocEntropy), cell(aurocMI)])
            guard i < 2 else { continue }
            let grid = try gridPoints()
            let d = name == "ensemble" ? try ensemble.classify(grid, threads: threads) : try dropout.classify(grid, threads: threads)
            for (j, (label, values)) in [("entropy", d.total), ("mutual information", d.epistemic)].enumerated() {
                try fig.panel(i, j) { p in
                    p.title = "\(name): \(label)"
                    try p.heatmap(x: linspace(-3, 4, 60), y: linspace(-3, 3.5, 60), values: (0..<60).map { r in Array(values[(r * 60)..<((r + 1) * 60)]) },
                                  colorbarLabel: "nats")
                    try p.scatter(x: train.column(0), y: train.column(1), label: nil, color: .gray(0.92), size: 3, edge: .black)
                }
            }
        }
        summary["single_before_temperature"] = .object(before.metrics.mapValues { .number($0) })
        summary["single_after_temperature"] = .object(after.metrics.mapValues { .number($0) })
        rows.append(["single net", cell(before.accuracy), cell(before.nll), cell(before.brier), cell(before.ece), "-", "-"])
        rows.append(["single net, T = \(cell(temperature))", cell(after.accuracy), cell(after.nll), cell(after.brier), cell(after.ece), "-", "-"])
        let cal = try Evaluation.calibration(labels: testLabels, probabilities: try ensemble.classify(test, threads: threads).probabilities,
                                             bins: 10)
        let reliability = try Figure.reliabilityDiagram(title: "Two moons: reliability of the 5-member ensemble (test points)",
                                                        confidence: cal.confidence, frequency: cal.frequency,
                                                        counts: cal.counts, edges: cal.edges, label: "ensemble")
        return StudyResult(
            name: "approx-moons", title: "Classification uncertainty on two moons", seedDocument: "seed 002",
            description: """
                Seed 002's classification uncertainty: 2-32-32-2 ReLU softmax networks on 300 two-moons points \
                (BayesKit's generator, seed 2024, noise 0.3), tested on 100 more and on 200 far-away points. A \
                5-member ensemble, MC dropout (rate 0.1, 50 passes) and a last-layer Laplace approximation of a \
                single network (GLM predictive, 100 logit draws) give mean probabilities and the decomposition \
                total entropy = expected entropy (aleatoric) + mutual information (epistemic); the AUROC says how \
                well each score separates far-away inputs from test points (below 0.5: ReLU networks grow more \
                confident far from the data, Hein et al. 2019, unless the weights' uncertainty is propagated \
                linearly as Laplace does). Temperature scaling (fitted on 50 test points, scored on the other \
                50) recalibrates the single network.
                """,
            figures: [StudyFigure(file: "approx-moons.svg", figure: fig),
                      StudyFigure(file: "approx-moons-reliability.svg", figure: reliability)],
            summary: summary,
            table: StudyTable(header: ["model", "accuracy", "NLL", "Brier", "ECE", "AUROC entropy", "AUROC MI"], rows: rows),
            headline: "OOD AUROC by MI: ensemble \(rows[0][6]), MC dropout \(rows[1][6]), last-layer Laplace \(rows[2][6]); temperature \(cell(temperature))")
    }

    /// A 60 × 60 grid over [−3, 4] × [−3, 3.5], x fastest.
    static func gridPoints() throws -> Matrix {
        let xs = linspace(-3, 4, 60), ys = linspace(-3, 3.5, 60)
        var v = [Double]()
        for y in ys { for x in xs { v += [x, y] } }
        return try Matrix(rows: 3600, columns: 2, values: v)
    }
}

extension Matrix {
    /// Rows `range` as a new matrix.
    func rows(_ range: Range<Int>) throws -> Matrix {
        guard range.lowerBound >= 0, range.upperBound <= rows else {
            throw BayesKitError.dimensionMismatch("rows \(range) outside 0..<\(rows)")
        }
        return Matrix(unchecked: range.count, columns, Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }
}
