import Foundation

extension Evaluation {
    // MARK: Classification

    /// Share of rows whose most probable class is the label (ties: the lowest class).
    public static func accuracy(labels: [Int], probabilities: Matrix) throws -> Double {
        try checkClassification(labels: labels, probabilities: probabilities)
        var hits = 0
        for i in labels.indices where argmax(probabilities, row: i) == labels[i] { hits += 1 }
        return Double(hits) / Double(labels.count)
    }

    /// Mean negative log-likelihood `−(1/n) Σ log p_{i, yᵢ}` (infinite when a
    /// label gets probability 0).
    public static func negativeLogLikelihood(labels: [Int], probabilities: Matrix) throws -> Double {
        try checkClassification(labels: labels, probabilities: probabilities)
        var total = 0.0
        for i in labels.indices { total -= log(probabilities[i, labels[i]]) }
        return total / Double(labels.count)
    }

    /// Multi-class Brier score `(1/n) Σᵢ Σₖ (p_ik − [yᵢ = k])²` (Brier 1950), in [0, 2].
    public static func brier(labels: [Int], probabilities: Matrix) throws -> Double {
        try checkClassification(labels: labels, probabilities: probabilities)
        var total = 0.0
        for i in labels.indices {
            for k in 0..<probabilities.columns {
                let d = probabilities[i, k] - (k == labels[i] ? 1 : 0)
                total += d * d
            }
        }
        return total / Double(labels.count)
    }

    /// Confidence calibration (Guo et al. 2017): the confidence of row i is
    /// `max_k p_ik`, rows fall in `bins` equal bins of [0, 1] by confidence,
    /// and
    ///
    ///     ECE = Σ_b (n_b / n) |acc_b − conf_b|,   MCE = max_b |acc_b − conf_b|
    ///
    /// with acc_b the share of correct rows and conf_b the mean confidence
    /// in bin b. The bins are the data of a reliability diagram
    /// (`Figure.reliabilityDiagram`).
    public static func calibration(labels: [Int], probabilities: Matrix, bins: Int = 15) throws -> Calibration {
        try checkClassification(labels: labels, probabilities: probabilities)
        guard bins >= 1 else { throw BayesKitError.invalidArgument("calibration needs bins >= 1, got \(bins)") }
        var count = [Double](repeating: 0, count: bins), conf = count, correct = count
        for i in labels.indices {
            let k = argmax(probabilities, row: i)
            let c = probabilities[i, k]
            // Bin b holds confidences in (b/B, (b+1)/B]; 0 goes to bin 0.
            let b = max(0, min(bins - 1, Int((c * Double(bins)).rounded(.up)) - 1))
            count[b] += 1
            conf[b] += c
            if k == labels[i] { correct[b] += 1 }
        }
        let n = Double(labels.count)
        var ece = 0.0, mce = 0.0
        var meanConfidence = [Double](repeating: .nan, count: bins), frequency = meanConfidence
        for b in 0..<bins where count[b] > 0 {
            meanConfidence[b] = conf[b] / count[b]
            frequency[b] = correct[b] / count[b]
            let gap = abs(frequency[b] - meanConfidence[b])
            ece += count[b] / n * gap
            mce = max(mce, gap)
        }
        return Calibration(ece: ece, mce: mce, confidence: meanConfidence, frequency: frequency, counts: count,
                           edges: (0...bins).map { Double($0) / Double(bins) })
    }

    /// Accuracy, NLL, Brier score and ECE of one probability matrix.
    public static func classification(labels: [Int], probabilities: Matrix, bins: Int = 15) throws -> ClassificationScores {
        ClassificationScores(accuracy: try accuracy(labels: labels, probabilities: probabilities),
                             nll: try negativeLogLikelihood(labels: labels, probabilities: probabilities),
                             brier: try brier(labels: labels, probabilities: probabilities),
                             ece: try calibration(labels: labels, probabilities: probabilities, bins: bins).ece)
    }

    /// The entropy decomposition of a predictive formed from `S` stochastic
    /// predictions `p_s` (each `n × K`: MC-dropout passes, ensemble members,
    /// posterior draws), Houlsby et al. (2011), Depeweg et al. (2018):
    ///
    ///     p̄ = (1/S) Σₛ pₛ
    ///     total     H[p̄]              = −Σₖ p̄ₖ log p̄ₖ
    ///     aleatoric E_s H[pₛ]          (expected entropy)
    ///     epistemic I(y; w) = (1/S) Σₛ KL(pₛ ‖ p̄) = H[p̄] − E_s H[pₛ]  (mutual information)
    ///
    /// with 0 log 0 = 0. The mutual information is computed as the mean KL
    /// (non-negative term by term, clamped at 0 against rounding), so
    /// total = aleatoric + epistemic holds to rounding.
    public static func decomposition(_ samples: [Matrix]) throws -> UncertaintyDecomposition {
        guard let first = samples.first else {
            throw BayesKitError.invalidArgument("the decomposition needs at least 1 probability matrix, got 0")
        }
        let n = first.rows, k = first.columns
        for (s, p) in samples.enumerated() {
            guard p.rows == n, p.columns == k else {
                throw BayesKitError.dimensionMismatch(
                    "probability matrix \(s) is \(p.rows) x \(p.columns) but matrix 0 is \(n) x \(k)")
            }
            try checkProbabilities(p, "probability matrix \(s)")
        }
        let sCount = Double(samples.count)
        var mean = [Double](repeating: 0, count: n * k)
        for p in samples { for j in 0..<(n * k) { mean[j] += p.values[j] } }
        for j in 0..<(n * k) { mean[j] /= sCount }
        var total = [Double](repeating: 0, count: n), aleatoric = total, epistemic = total
        for i in 0..<n {
            var h = 0.0
            for c in 0..<k { h -= xlogx(mean[i * k + c]) }
            var eh = 0.0, kl = 0.0
            for p in samples {
                for c in 0..<k {
                    let v = p.values[i * k + c]
                    eh -= xlogx(v)
                    // mean ≥ v/S > 0 except when v/S underflows (v subnormal): then the term is ~0.
                    if v > 0, mean[i * k + c] > 0 { kl += v * (log(v) - log(mean[i * k + c])) }
                }
            }
            total[i] = h
            aleatoric[i] = eh / sCount
            epistemic[i] = max(0, kl / sCount)
        }
        return UncertaintyDecomposition(probabilities: Matrix(unchecked: n, k, mean), total: total,
                                        aleatoric: aleatoric, epistemic: epistemic)
    }

    /// Area under the ROC curve for telling out-of-distribution inputs from
    /// in-distribution ones by a score that should be larger out of
    /// distribution (entropy, mutual information): the Mann–Whitney
    /// probability `P(s_out > s_in) + P(s_out = s_in)/2`, from average ranks.
    public static func auroc(inDistribution: [Double], outOfDistribution: [Double]) throws -> Double {
        guard !inDistribution.isEmpty, !outOfDistribution.isEmpty else {
            throw BayesKitError.invalidArgument(
                "AUROC needs scores of both groups; got \(inDistribution.count) in- and \(outOfDistribution.count) out-of-distribution")
        }
        try requireFinite(inDistribution, "in-distribution scores")
        try requireFinite(outOfDistribution, "out-of-distribution scores")
        let all = inDistribution.map { ($0, false) } + outOfDistribution.map { ($0, true) }
        let sorted = all.sorted { $0.0 < $1.0 }
        var rankSumOut = 0.0
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1].0 == sorted[i].0 { j += 1 }
            let averageRank = Double(i + j + 2) / 2  // ranks are 1-based
            for t in i...j where sorted[t].1 { rankSumOut += averageRank }
            i = j + 1
        }
        let nOut = Double(outOfDistribution.count), nIn = Double(inDistribution.count)
        return (rankSumOut - nOut * (nOut + 1) / 2) / (nOut * nIn)
    }

    // MARK: Helpers

    static func xlogx(_ v: Double) -> Double { v > 0 ? v * log(v) : 0 }

    static func argmax(_ p: Matrix, row i: Int) -> Int {
        var best = 0
        for k in 1..<max(p.columns, 1) where p[i, k] > p[i, best] { best = k }
        return best
    }

    static func checkProbabilities(_ p: Matrix, _ what: String) throws {
        guard p.columns >= 2 else {
            throw BayesKitError.dimensionMismatch("\(what) has \(p.columns) class columns; need K >= 2")
        }
        for i in 0..<p.rows {
            var sum = 0.0
            for k in 0..<p.columns {
                let v = p[i, k]
                guard v.isFinite, v >= 0, v <= 1 else {
                    throw BayesKitError.invalidArgument("\(what) row \(i) class \(k) is \(v); probabilities must be in [0, 1]")
                }
                sum += v
            }
            guard abs(sum - 1) <= 1e-8 else {
                throw BayesKitError.invalidArgument("\(what) row \(i) sums to \(sum), not 1")
            }
        }
    }

    static func checkClassification(labels: [Int], probabilities: Matrix) throws {
        guard !labels.isEmpty else { throw BayesKitError.invalidArgument("scoring needs at least 1 label, got 0") }
        guard probabilities.rows == labels.count else {
            throw BayesKitError.dimensionMismatch("\(labels.count) labels but \(probabilities.rows) probability rows")
        }
        try checkProbabilities(probabilities, "probabilities")
        if let i = labels.firstIndex(where: { $0 < 0 || $0 >= probabilities.columns }) {
            throw BayesKitError.invalidArgument(
                "label \(labels[i]) at index \(i) is outside 0..<\(probabilities.columns)")
        }
    }
}

/// Reliability-diagram data and calibration errors of one probability matrix.
public struct Calibration: Sendable, Codable, Equatable {
    /// Expected calibration error.
    public let ece: Double
    /// Maximum calibration error over non-empty bins.
    public let mce: Double
    /// Mean confidence per bin (NaN for an empty bin).
    public let confidence: [Double]
    /// Accuracy per bin (NaN for an empty bin).
    public let frequency: [Double]
    /// Rows per bin.
    public let counts: [Double]
    /// Bin edges, `bins + 1` values from 0 to 1.
    public let edges: [Double]
}

/// The classification scores of one predictive on one test set.
public struct ClassificationScores: Sendable, Codable, Equatable {
    public let accuracy: Double
    public let nll: Double
    public let brier: Double
    public let ece: Double

    /// The `result.json` `metrics` keys.
    public var metrics: [String: Double] {
        ["accuracy": accuracy, "nll": nll, "brier": brier, "ece": ece]
    }
}

/// Mean class probabilities with total, aleatoric and epistemic uncertainty
/// per row (nats); see ``Evaluation/decomposition(_:)``.
public struct UncertaintyDecomposition: Sendable, Codable, Equatable {
    /// p̄, `n × K`.
    public let probabilities: Matrix
    /// Predictive entropy H[p̄].
    public let total: [Double]
    /// Expected entropy E_s H[p_s].
    public let aleatoric: [Double]
    /// Mutual information between the label and the weights.
    public let epistemic: [Double]
}
