import BayesKit
import Foundation

extension PredictCommand {
    /// The archive kinds of the cheap approximations (``MCDropoutModel``,
    /// ``EnsembleModel``, ``SWAGModel``, ``LastLayerModel``, ``LastLayerLaplace``, ``DiagonalLaplace``, ``KFACLaplace``).
    static let approxKinds = [MCDropoutModel.archiveKind, EnsembleModel.archiveKind, SWAGModel.archiveKind,
                              LastLayerModel.archiveKind, LastLayerLaplace.archiveKind, DiagonalLaplace.archiveKind,
                              KFACLaplace.archiveKind]

    /// Predictive of a saved cheap approximation (regression heads): mean,
    /// total and epistemic sd, and the quantiles of the moment-matched
    /// Gaussian; with targets, the scores of ``UncertainPrediction/scores(_:)``.
    func runApprox(_ url: URL, kind: String) throws {
        let context = try RunContext(command: "predict", run: runOptions, defaultSeed: 0)
        let predictAt: (Matrix) throws -> UncertainPrediction
        let d: Int
        switch kind {
        case MCDropoutModel.archiveKind:
            let m = try MCDropoutModel.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0, seed: context.seed &+ 1, threads: context.threads) }
        case EnsembleModel.archiveKind:
            let m = try EnsembleModel.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0, threads: context.threads) }
        case SWAGModel.archiveKind:
            let m = try SWAGModel.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0, seed: context.seed &+ 1, threads: context.threads) }
        case LastLayerLaplace.archiveKind:
            let m = try LastLayerLaplace.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0) }
        case DiagonalLaplace.archiveKind:
            let m = try DiagonalLaplace.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0) }
        case KFACLaplace.archiveKind:
            let m = try KFACLaplace.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0) }
        default:
            let m = try LastLayerModel.load(from: url)
            d = m.architecture.inputCount
            predictAt = { try m.predict($0, threads: context.threads) }
        }
        let (x, y, xNames) = try inputs(dimension: d)
        let p = try predictAt(x)
        let sd = p.totalSD, z = Evaluation.z95
        try Table(columnNames: xNames + ["mean", "sd", "epistemic_sd", "aleatoric_sd", "q05", "q50", "q95"],
                  columns: (0..<d).map { x.column($0) } + [p.mean, sd, p.epistemicSD, p.aleatoricSD,
                                                         zip(p.mean, sd).map { $0 - z * $1 }, p.mean,
                                                         zip(p.mean, sd).map { $0 + z * $1 }])
            .write(csvTo: context.file("predictive.csv"))
        var result = context.result(config: [
            "model": .string(url.path), "kind": .string(kind), "inputs": .number(Double(x.rows)),
            "data": data.data.map { .string($0) } ?? .null, "grid": grid.map { .string($0) } ?? .null,
        ])
        if let y { result.metrics = try p.scores(y).metrics }
        result.outputs = ["predictive": "predictive.csv"]
        try context.finish(result)
        print(textTable(header: ["inputs", "mean sd", "mean epistemic sd"] + (y == nil ? [] : ["rmse", "test_loglik"]),
                        rows: [["\(x.rows)", format(sd.reduce(0, +) / Double(x.rows)),
                                format(p.epistemicSD.reduce(0, +) / Double(x.rows))]
                               + (result.metrics.map { [format($0["rmse"] ?? .nan), format($0["test_loglik"] ?? .nan)] } ?? [])]))
        note("wrote predictive.csv and result.json to \(context.outputDirectory.path)")
    }
}
