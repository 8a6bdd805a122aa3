import Foundation

/// Temperature scaling (Guo, Pleiss, Sun & Weinberger 2017): one scalar
/// T > 0 divides every logit, `p = softmax(f / T)`, chosen to minimise the
/// NLL on held-out data. The NLL is convex in 1/T (the logits are linear in
/// it), so a golden-section search over 1/T ∈ [1/100, 100] finds the
/// optimum. T > 1 softens an over-confident model; accuracy is unchanged.
public enum TemperatureScaling {
    /// The NLL-minimising temperature for `logits` (`n × K`, or `n × 1`
    /// Bernoulli logits) and `labels`.
    public static func fit(logits: Matrix, labels: [Int]) throws -> Double {
        guard logits.rows == labels.count, logits.rows > 0 else {
            throw BayesKitError.dimensionMismatch("\(logits.rows) logit rows but \(labels.count) labels (need >= 1)")
        }
        try requireFinite(logits.values, "logits")
        // Checks the labels once (at T = 1).
        _ = try nll(logits, labels, temperature: 1)
        let phi = (5.0.squareRoot() - 1) / 2
        var a = 0.01, b = 100.0
        var c = b - phi * (b - a), d = a + phi * (b - a)
        var fc = try nll(logits, labels, temperature: 1 / c), fd = try nll(logits, labels, temperature: 1 / d)
        for _ in 0..<200 where b - a > 1e-10 * max(1, a) {
            if fc < fd {
                b = d; d = c; fd = fc
                c = b - phi * (b - a)
                fc = try nll(logits, labels, temperature: 1 / c)
            } else {
                a = c; c = d; fc = fd
                d = a + phi * (b - a)
                fd = try nll(logits, labels, temperature: 1 / d)
            }
        }
        return 1 / ((a + b) / 2)
    }

    /// Class probabilities of `logits` at `temperature`.
    public static func probabilities(logits: Matrix, temperature: Double = 1) throws -> Matrix {
        guard temperature > 0, temperature.isFinite else {
            throw BayesKitError.invalidArgument("temperature must be positive and finite, got \(temperature)")
        }
        return BayesKit.probabilities(fromLogits: logits.values, rows: logits.rows, columns: logits.columns,
                                      temperature: temperature)
    }

    static func nll(_ logits: Matrix, _ labels: [Int], temperature: Double) throws -> Double {
        let p = try probabilities(logits: logits, temperature: temperature)
        var total = 0.0
        for (i, y) in labels.enumerated() {
            guard y >= 0, y < p.columns else {
                throw BayesKitError.invalidArgument("label \(y) at index \(i) is outside 0..<\(p.columns)")
            }
            total -= log(max(p[i, y], .leastNonzeroMagnitude))
        }
        return total / Double(labels.count)
    }
}

extension Datasets {
    /// Two interleaving half circles (scikit-learn's `make_moons`): class 0
    /// at (cos t, sin t), class 1 at (1 − cos t, ½ − sin t), t ~ U(0, π),
    /// plus N(0, noise²) on both coordinates; `count` points alternate
    /// between the classes. BayesKit generates them (no licence involved)
    /// from stream `(seed, 0)`: t, then the two noise draws, point by point.
    /// Default seed 2024.
    public static func twoMoons(count: Int = 200, noise: Double = 0.1, seed: UInt64 = 2024) throws -> (x: Matrix, labels: [Int]) {
        guard count >= 2 else { throw BayesKitError.invalidArgument("two moons needs count >= 2, got \(count)") }
        guard noise >= 0, noise.isFinite else { throw BayesKitError.invalidArgument("noise must be >= 0 and finite, got \(noise)") }
        let rng = try RandomStream(seed: seed, stream: 0)
        var v = [Double](), labels = [Int]()
        for i in 0..<count {
            let t = Double.pi * rng.uniform()
            let c = i % 2
            let px = c == 0 ? cos(t) : 1 - cos(t), py = c == 0 ? sin(t) : 0.5 - sin(t)
            v += [px + noise * rng.normal(), py + noise * rng.normal()]
            labels.append(c)
        }
        return (Matrix(unchecked: count, 2, v), labels)
    }
}
