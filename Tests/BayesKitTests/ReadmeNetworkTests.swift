import BayesKit
import Foundation
import Testing

/// README.md's "Networks, diagnostics, figures and files" snippet, kept compiling and true.
@Test func readmeNetworkDiagnosticsFigureSnippetRuns() throws {
    let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
    #expect(arch.parameterNames[5] == "layer0.b[0]")
    let sine = try Datasets.sine()
    let post = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                x: sine.x, y: sine.y)
    let start = try arch.fitMSE(x: sine.x, y: sine.y,
                                initialWeights: try arch.defaultInitialWeights(stream: try Seed(42).stream()))
    let (logp, gradient) = try post.logDensityAndGradient(start.weights)
    #expect(logp.isFinite && gradient.count == 16)
    #expect(start.lossHistory.count == 200 && start.lossHistory.last! < start.lossHistory.first!)

    let draws = try (0..<4).map { try Seed(1).stream(UInt64($0)).normals(1000) }
    let rhat = try Diagnostics.rhat(draws)
    let ess = try Diagnostics.essBulk(draws)
    #expect(abs(rhat - 1) < 0.01)
    #expect(ess > 3000)

    let fit = try BayesianLinearRegression(basis: .polynomial(degree: 5), alpha: 1, beta: 100).fit(sine.x, sine.y)
    let pred = try fit.predict(sine.truthX)
    var fig = Figure(title: "Posterior predictive")
    try fig.panel(0, 0) { p in
        try p.predictive(x: sine.truthX, mean: pred.mean, sd: pred.standardDeviation)
        try p.scatter(x: sine.x, y: sine.y, label: "data")
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-readme-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try fig.write(to: dir.appendingPathComponent("fit.svg"))
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fit.svg").path))
}
