import BayesKit
import Foundation
import Testing

/// The Swift tour in README.md, kept compiling and true.
@Test func readmeSwiftTourRuns() throws {
    let sine = try Datasets.sine()
    let osc = try Datasets.oscillator()
    #expect(sine.count == 20 && osc.count == 60)

    let stream = try Seed(42).stream(0)
    let z = try stream.normals(1000, mean: 0, sd: 1)
    let many = try Seed(42).normals(streams: 8, count: 1000)
    #expect(z.count == 1000 && many.rows == 8)
    #expect(many.row(0) == (try Seed(42).stream(0).normals(1000)))

    let prior = try Normal(mean: 0, sd: 1)
    let lp = prior.logDensity([0.1, -0.3])
    let draws = try Gamma(shape: 2, rate: 3).sample(10_000, using: stream)
    #expect(lp.count == 2 && draws.count == 10_000)
    #expect(throws: BayesKitError.invalidArgument("Normal sd must be positive and finite, got -1")) {
        try Normal(mean: 0, sd: -1)
    }

    let a = try Matrix([[4, 2], [2, 3]])
    let l = try a.cholesky()
    let back = try l * l.transposed
    #expect(zip(back.values, a.values).allSatisfy { abs($0 - $1) < 1e-14 })
}
