import BayesKit
import Foundation
import Testing

@Suite struct MatrixType {
    @Test func shapesAreChecked() throws {
        #expect(throws: BayesKitError.dimensionMismatch("a 2 x 2 matrix needs 4 values, got 3")) {
            try Matrix(rows: 2, columns: 2, values: [1, 2, 3])
        }
        #expect(throws: BayesKitError.dimensionMismatch("row 1 has 1 values but row 0 has 2")) {
            try Matrix([[1, 2], [3]])
        }
        let a = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(throws: BayesKitError.dimensionMismatch("cannot multiply a 2 x 3 matrix by a 2 x 3 matrix")) {
            try a * a
        }
        #expect(throws: BayesKitError.dimensionMismatch("Cholesky factorization needs a square matrix, got 2 x 3")) {
            try a.cholesky()
        }
    }

    @Test func productsAndFactorizations() throws {
        let a = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(try (a * a.transposed) == Matrix([[14, 32], [32, 77]]))
        #expect(try a.matvec([1, 0, -1]) == [-2, -2])
        let spd = try Matrix([[4, 2], [2, 3]])
        let inv = try spd.inverseSPD()
        let id = try spd * inv
        #expect(abs(id[0, 0] - 1) < 1e-15 && abs(id[0, 1]) < 1e-15 && abs(id[1, 1] - 1) < 1e-15)
        #expect(abs(try spd.logDeterminantSPD() - log(8.0)) < 1e-14)
        #expect(throws: BayesKitError.self) { try Matrix([[1, 2], [2, 1]]).cholesky() }
    }
}

@Suite struct Streams {
    @Test func seedStreamsAreReproducible() throws {
        let a = try Seed(5).stream(3).normals(100)
        let b = try RandomStream(seed: 5, stream: 3).normals(100)
        #expect(a == b)
        #expect(try Seed(5).stream(4).normals(100) != a)
    }

    @Test func parallelStreamsEqualSerialStreamsFor1And2Threads() throws {
        let one = try Seed(8).normals(streams: 16, count: 500, threads: 1)
        let two = try Seed(8).normals(streams: 16, count: 500, threads: 2)
        #expect(one == two)
        #expect(throws: BayesKitError.invalidArgument("thread count must be >= 1, got 0")) {
            try Seed(8).normals(streams: 1, count: 1, threads: 0)
        }
        #expect(one.row(9) == (try Seed(8).stream(9).normals(500)))
    }

    @Test func stateRoundTrip() throws {
        let s = try RandomStream(seed: 1)
        _ = s.uniform()
        let saved = s.state
        let next = try s.uniforms(4)
        try s.restore(state: saved)
        #expect(try s.uniforms(4) == next)
        #expect(throws: BayesKitError.invalidArgument("random stream state must have 32 bytes, got 3")) {
            try s.restore(state: [1, 2, 3])
        }
    }

    @Test func validationMessages() throws {
        let s = try RandomStream(seed: 1)
        #expect(throws: BayesKitError.invalidArgument("normal standard deviation must be finite and >= 0, got -2")) {
            try s.normals(3, sd: -2)
        }
        #expect(throws: BayesKitError.invalidArgument("count must be >= 0, got -1")) { try s.uniforms(-1) }
    }

    @Test func numpyStateMatchesNumPy() throws {
        var r = NumPyRandomState(seed: 12345)
        #expect(r.randomSample(2) == [0.9296160928171479, 0.3163755545817859])
        #expect(r.standardNormal(3) == [-0.5194387150567381, -0.55573030434749, 1.9657805725027142])
    }
}

@Suite struct ResultSchema {
    @Test func roundTripAndSnakeCaseKeys() throws {
        var r = RunResult(command: "mcmc", argv: ["bayeskit", "mcmc"], seed: 3, threads: 2,
                          config: ["draws": 1000, "layers": [1, 5, 1]], timing: .init(wallS: 1.5, samplingS: 1.2))
        r.parameters = [.init(name: "layer0.W[0,0]", mean: 0.1, sd: 1, q05: -1.5, q50: 0.1, q95: 1.7,
                              mcseMean: 0.01, essBulk: 400, essTail: 350, rhat: 1.01)]
        r.chains = [.init(index: 0, acceptanceRate: 0.8, stepSize: 0.1, nDivergent: 0, nTreedepthHits: 0, nGradEvals: 100)]
        r.metrics = ["rmse": 0.1, "coverage_90": 0.9]
        r.history = ["epoch": [1, 2], "elbo": [-10, -5]]
        let data = try r.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"schema_version\"", "\"bayeskit_version\"", "\"wall_s\"", "\"sampling_s\"", "\"mcse_mean\"",
                    "\"ess_bulk\"", "\"acceptance_rate\"", "\"n_treedepth_hits\"", "\"coverage_90\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(!text.contains("warmup_s"))
        #expect(try RunResult.decoder().decode(RunResult.self, from: data) == r)
    }

    @Test func unreadableResultIsAnError() {
        #expect(throws: BayesKitError.self) { try RunResult.read(from: URL(fileURLWithPath: "/nonexistent/result.json")) }
    }
}
