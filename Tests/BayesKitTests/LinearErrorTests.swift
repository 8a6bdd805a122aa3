import BayesKit
import Foundation
import Testing

/// Every bad-input path of the linear models, with its exact message.
@Suite struct LinearErrorTests {
    let model = BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1)

    @Test func badData() throws {
        #expect(throws: BayesKitError(.invalidArgument, "no data: x and y are empty")) { try model.fit([], []) }
        #expect(throws: BayesKitError(.dimensionMismatch, "x has 3 rows but y has 2 values")) { try model.fit([1, 2, 3], [1, 2]) }
        #expect(throws: BayesKitError(.nonFinite, "x contains a non-finite value (nan) at index 1")) {
            try model.fit([0, .nan, 1], [1, 2, 3])
        }
        #expect(throws: BayesKitError(.nonFinite, "y contains a non-finite value (inf) at index 2")) {
            try model.fit([0, 1, 2], [1, 2, .infinity])
        }
        #expect(throws: BayesKitError(.nonFinite, "x contains a non-finite value (-inf) at row 1, column 0")) {
            try model.fit(try Matrix([[0, 1], [-.infinity, 2]]), [1, 2])
        }
    }

    @Test func badHyperparameters() throws {
        #expect(throws: BayesKitError(.invalidArgument, "alpha (prior precision) must be finite and >= 0, got -1")) {
            try BayesianLinearRegression(alpha: -1, beta: 1).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "alpha (prior precision) must be finite and >= 0, got nan")) {
            try BayesianLinearRegression(alpha: .nan, beta: 1).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "beta (noise precision) must be finite and > 0, got 0")) {
            try BayesianLinearRegression(alpha: 1, beta: 0).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "alpha (prior precision) must be finite and >= 0, got -2 for coefficient 1")) {
            try BayesianLinearRegression(basis: .affine, priorPrecision: .perCoefficient([1, -2]), beta: 1).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.dimensionMismatch, "the prior has 3 precisions but the basis has 2 functions")) {
            try BayesianLinearRegression(basis: .affine, priorPrecision: .perCoefficient([1, 1, 1]), beta: 1).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.dimensionMismatch, "the prior mean has 1 entries but the basis has 2 functions")) {
            try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1, priorMean: [0]).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "thread count must be >= 1, got 0")) {
            try model.fit([0, 1], [0, 1], threads: 0)
        }
    }

    @Test func unidentifiableModels() throws {
        #expect(throws: BayesKitError(.invalidArgument,
                                      "3 data points cannot determine 6 basis functions without a prior (alpha = 0); "
                                          + "use alpha > 0 or fewer basis functions")) {
            try BayesianLinearRegression(basis: .polynomial(degree: 5), alpha: 0, beta: 1).fit([0, 1, 2], [0, 1, 2])
        }
        #expect(throws: BayesKitError(.solverFailure,
                                      "posterior precision is singular: the design matrix is rank deficient and a coefficient "
                                          + "has no prior (alpha = 0); use alpha > 0 or fewer basis functions")) {
            try BayesianLinearRegression(basis: .affine, alpha: 0, beta: 1).fit([1, 1, 1, 1], [0, 1, 2, 3])
        }
        // α = 0 with enough data is least squares; its evidence is undefined
        let ls = try BayesianLinearRegression(basis: .affine, alpha: 0, beta: 1).fit([0, 1, 2], [1, 3, 5])
        #expect(abs(ls.mean[0] - 1) < 1e-12 && abs(ls.mean[1] - 2) < 1e-12)
        #expect(throws: BayesKitError(.invalidArgument,
                                      "the evidence needs a proper prior: coefficient 0 has prior precision 0 (alpha = 0)")) {
            try ls.logEvidence()
        }
    }

    @Test func badBasesAndPredictions() throws {
        let post = try model.fit([0, 1, 2], [0, 1, 2])
        #expect(throws: BayesKitError(.dimensionMismatch, "x has 2 columns but the basis expects 1")) {
            try post.predict(try Matrix([[0, 1]]))
        }
        #expect(throws: BayesKitError(.nonFinite, "x contains a non-finite value (nan) at index 0")) { try post.predict([.nan]) }
        #expect(throws: BayesKitError(.invalidArgument, "polynomial degree must be >= 0, got -1")) {
            try BayesianLinearRegression(basis: .polynomial(degree: -1)).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "polynomial basis needs 1-dimensional inputs, got 2 columns")) {
            try BayesianLinearRegression(basis: .polynomial(degree: 2)).fit(try Matrix([[0, 1], [1, 2]]), [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "Gaussian basis width must be finite and > 0, got -0.1")) {
            try BayesianLinearRegression(basis: .gaussian(centres: [0, 1], width: -0.1)).fit([0, 1], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument,
                                      "cannot place Gaussian basis functions over a data range of zero width; give the width explicitly")) {
            try BayesianLinearRegression(basis: .gaussianGrid(count: 3)).fit([1, 1], [0, 1])
        }
        let bad = BasisFunction.custom(name: "f", count: 2, map: { r in [1, r[0] > 1 ? .nan : r[0]] })
        #expect(throws: BayesKitError(.nonFinite, "custom feature map 'f' returned a non-finite value (nan) at row 2, feature 1")) {
            try BayesianLinearRegression(basis: bad).fit([0, 1, 2], [0, 1, 2])
        }
        let short = BasisFunction.custom(name: "g", count: 2, map: { r in [r[0]] })
        #expect(throws: BayesKitError(.dimensionMismatch, "custom feature map 'g' returned 1 features for row 0, expected 2")) {
            try BayesianLinearRegression(basis: short).fit([0, 1, 2], [0, 1, 2])
        }
        // polynomial features that overflow are caught in C
        #expect(throws: BayesKitError(.nonFinite, "the basis functions overflow (NaN or infinity) at row 1 of x")) {
            try BayesianLinearRegression(basis: .polynomial(degree: 3)).fit([1, 1e200], [0, 1])
        }
        #expect(throws: BayesKitError(.invalidArgument, "coefficients must be two distinct indices in 0..<2, got (0, 0)")) {
            try post.weightDensity(first: [0], second: [0], coefficients: (0, 0))
        }
        #expect(throws: BayesKitError(.invalidArgument, "sample count must be >= 0, got -1")) {
            try post.sampleWeights(-1, using: RandomStream(seed: 1))
        }
    }
}
