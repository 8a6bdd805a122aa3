/// A small regression dataset: noisy observations `(x, y)` of a known
/// function, with that function on a dense grid (`truthX`, `truthY`) for
/// plots and extrapolation checks.
public struct Dataset: Sendable, Equatable {
    /// The name `bayeskit data` knows it by.
    public let name: String
    /// Inputs of the observations (time for the oscillator).
    public let x: [Double]
    /// Noisy outputs.
    public let y: [Double]
    /// Dense grid of inputs for the noise-free function.
    public let truthX: [Double]
    /// The noise-free function on `truthX`.
    public let truthY: [Double]
    /// Standard deviation of the Gaussian observation noise.
    public let noiseStd: Double
    /// The seed the noise (and random inputs) came from.
    public let seed: UInt64
    /// Parameters of the generating process, e.g. `zeta`, `omega`.
    public let parameters: [String: Double]
    /// How the data were generated, in a sentence or two.
    public let provenance: String

    /// Number of observations.
    public var count: Int { x.count }

    /// The observations as a table with columns `x`, `y`.
    public var table: Table {
        Table(unchecked: ["x", "y"], [x, y], source: name)
    }

    /// The dense noise-free function as a table with columns `x`, `y_true`.
    public var truthTable: Table {
        Table(unchecked: ["x", "y_true"], [truthX, truthY], source: name + " truth")
    }
}

/// `numpy.linspace(start, stop, count)`: `start + i·step` with the last
/// point set to `stop` exactly, as NumPy does.
public func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
    guard count > 0 else { return [] }
    guard count > 1 else { return [start] }
    let step = (stop - start) / Double(count - 1)
    var out = (0..<count).map { Double($0) * step + start }
    out[count - 1] = stop
    return out
}
