import BayesKit
import Foundation
import Testing

@Suite struct LinearPersistence {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bk-lp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every built-in basis round-trips: same mean, factor and predictions, bit for bit.
    @Test func saveAndLoadIsBitExactForEveryBuiltInBasis() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = try Datasets.sinusoid()
        let bases: [BasisFunction] = [.affine, .identity, .polynomial(degree: 5, scaleInputs: true),
                                      .gaussian(centres: linspace(0, 1, 9), width: 0.1), .gaussianGrid(count: 4)]
        for (i, basis) in bases.enumerated() {
            let posterior = try BayesianLinearRegression(basis: basis, alpha: 2, beta: 25).fit(d.x, d.y)
            let url = dir.appendingPathComponent("m\(i).json")
            try posterior.save(to: url)
            let back = try LinearPosterior.load(from: url)
            #expect(back.mean.map(\.bitPattern) == posterior.mean.map(\.bitPattern))
            #expect(back.precisionFactor == posterior.precisionFactor)
            #expect(try back.predict(d.truthX) == (try posterior.predict(d.truthX)))
            #expect(back.names == posterior.names)
        }
    }

    @Test func customMapsAndDamagedFilesGiveClearErrors() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = try Datasets.sine()
        let custom = try BayesianLinearRegression(basis: .custom(name: "trig", count: 2, map: { [sin($0[0]), cos($0[0])] }),
                                                  alpha: 1, beta: 100).fit(d.x, d.y)
        let url = dir.appendingPathComponent("m.json")
        #expect(throws: BayesKitError.invalidArgument(
            "a model with the custom feature map 'trig' cannot be saved: its Swift closure has no serialised form")) {
            try custom.save(to: url)
        }
        try BayesianLinearRegression().fit(d.x, d.y).save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: "\"affine\"", with: "\"spline\"").write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: BayesKitError.self) { try LinearPosterior.load(from: url) }
        try ModelArchive.save([1.0, 2.0], kind: "Something", to: url)
        #expect(throws: BayesKitError.format("\(url.path) holds a 'Something', not a 'LinearPosterior'")) {
            try LinearPosterior.load(from: url)
        }
    }
}
