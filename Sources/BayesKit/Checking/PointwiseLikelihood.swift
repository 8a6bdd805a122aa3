import Foundation

extension BNN {
    /// Pointwise log-likelihood `log p(y_i | θ_s)` of every weight draw (rows
    /// of `weightDraws`, `S × dimension`) at every observation: the `S × n`
    /// matrix ``ModelChecking/loo(logLikelihood:relativeEfficiency:replicated:observed:threads:)``
    /// and ``ModelChecking/waic(logLikelihood:threads:)`` take. Untempered.
    ///   - Gaussian: `−½((y − f)/σ)² − log σ − ½ log 2π` (σ = `exp(θ_P)` with learned noise);
    ///   - Bernoulli (logit f): `y f − log(1 + eᶠ)`;
    ///   - categorical (logits f_k): `f_y − log Σ_k e^{f_k}`.
    public func pointwiseLogLikelihood(weightDraws: Matrix, x: Matrix, y: Matrix, threads: Int? = nil) throws -> Matrix {
        guard weightDraws.columns == dimension else {
            throw BayesKitError.dimensionMismatch("weight draws have \(weightDraws.columns) columns but the model has \(dimension) parameters")
        }
        guard x.rows == y.rows else { throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.rows)") }
        guard y.columns == 1 else {
            throw BayesKitError.dimensionMismatch("y must have one column (a target or a class label), got \(y.columns)")
        }
        try requireFinite(y.values, "y")
        let f = try architecture.predictions(weightSamples: weightDraws, inputs: x, threads: threads)
        let s = weightDraws.rows, n = x.rows, k = architecture.outputCount
        let logRoot2Pi = 0.5 * Foundation.log(2 * Double.pi)
        var out = [Double](repeating: 0, count: s * n)
        for d in 0..<s {
            let row = d * n * k
            switch likelihood {
            case .gaussian(let sigma):
                let ls = Foundation.log(sigma)
                for i in 0..<n {
                    let z = (y[i, 0] - f.values[row + i]) / sigma
                    out[d * n + i] = -0.5 * z * z - ls - logRoot2Pi
                }
            case .gaussianLearnedNoise:
                let ls = weightDraws[d, architecture.parameterCount], sigma = Foundation.exp(ls)
                for i in 0..<n {
                    let z = (y[i, 0] - f.values[row + i]) / sigma
                    out[d * n + i] = -0.5 * z * z - ls - logRoot2Pi
                }
            case .bernoulli:
                for i in 0..<n {
                    let v = f.values[row + i]
                    let softplus = v > 0 ? v + Foundation.log1p(Foundation.exp(-v)) : Foundation.log1p(Foundation.exp(v))
                    out[d * n + i] = y[i, 0] * v - softplus
                }
            case .categorical(let classes):
                for i in 0..<n {
                    let label = y[i, 0]
                    guard label >= 0, label < Double(classes), label == label.rounded() else {
                        throw BayesKitError.invalidArgument("class label at row \(i) must be a whole number in 0...\(classes - 1), got \(label)")
                    }
                    let logits = f.values[(row + i * k)..<(row + (i + 1) * k)]
                    let m = logits.max()!
                    let lse = m + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - m) })
                    out[d * n + i] = logits[logits.startIndex + Int(label)] - lse
                }
            }
        }
        return try Matrix(rows: s, columns: n, values: out)
    }
}

extension Chains {
    /// At most `maximum` kept draws spread evenly over every chain (all of
    /// them when there are fewer), read block by block: the draws for
    /// pointwise checks such as PSIS-LOO, which need an `S × n` matrix.
    public func evenlySpacedDraws(maximum: Int = 4000) throws -> Matrix {
        guard maximum >= 1 else { throw BayesKitError.invalidArgument("maximum must be >= 1 draw, got \(maximum)") }
        let total = chainStats.map(\.keptDraws).reduce(0, +)
        guard total >= 1 else { throw BayesKitError.invalidArgument("the chains hold no draws") }
        let step = max(1, (total + maximum - 1) / maximum)
        var values: [Double] = []
        values.reserveCapacity(min(total, maximum) * dimension)
        var index = 0
        try forEachBlock { _, block in
            for r in 0..<block.rows {
                if index % step == 0 { values += block.row(r) }
                index += 1
            }
        }
        return try Matrix(rows: values.count / dimension, columns: dimension, values: values)
    }
}
