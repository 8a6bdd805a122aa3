import Foundation

/// The draws of `Tests/Reference/diagnostics_reference.py`, regenerated bit
/// for bit: a 64-bit LCG (Knuth's MMIX constants), Irwin–Hall "normals"
/// (sum of 12 uniforms − 6) and IEEE + − × ÷ only, so Python and Swift agree
/// exactly. Each case records the exact sum and end values the script printed,
/// which the tests check before comparing diagnostics.
enum DiagnosticFixtures {
    struct LCG {
        var s: UInt64
        mutating func uniform() -> Double {
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(s >> 32) + 0.5) / 4_294_967_296.0
        }
        mutating func normal() -> Double {
            var acc = 0.0
            for _ in 0..<12 { acc += uniform() }
            return acc - 6.0
        }
    }

    /// AR(1) chains `[chain][draw]`: x₀ = e₀, xₜ = φ xₜ₋₁ + eₜ; `shift` adds a
    /// constant to whole chains.
    static func ar1(seed: UInt64, chains: Int, draws: Int, phi: Double, shift: [Int: Double] = [:]) -> [[Double]] {
        var g = LCG(s: seed)
        var out: [[Double]] = []
        for c in 0..<chains {
            var chain = [Double](repeating: 0, count: draws)
            var x = g.normal()
            chain[0] = x
            for t in 1..<draws {
                x = phi * x + g.normal()
                chain[t] = x
            }
            if let delta = shift[c] { chain = chain.map { $0 + delta } }
            out.append(chain)
        }
        return out
    }

    /// Heavy tails: e₁/e₂, a ratio of two Irwin–Hall variates.
    static func cauchy(seed: UInt64, chains: Int, draws: Int) -> [[Double]] {
        var g = LCG(s: seed)
        return (0..<chains).map { _ in
            (0..<draws).map { _ in
                let e1 = g.normal()
                let e2 = g.normal()
                return e1 / e2
            }
        }
    }

    /// Ties: ⌊4u⌋ ∈ {0, 1, 2, 3}.
    static func ties(seed: UInt64, chains: Int, draws: Int) -> [[Double]] {
        var g = LCG(s: seed)
        return (0..<chains).map { _ in (0..<draws).map { _ in Double(Int(4.0 * g.uniform())) } }
    }

    /// Values ArviZ 0.23.4 (numpy 2.4.6, scipy 1.17.1) computed for one case.
    struct Reference {
        var sum, first, last: Double
        var rhat, rhatSplit, essBulk, essTail, essMean, essIdentity, mcseMean: Double
        var mean, sd, q05, q50, q95: Double
        var acf: [Double]
        var acov: [Double]
    }

    static let ar1Draws = ar1(seed: 1, chains: 4, draws: 1000, phi: 0.9)
    static let ar1Reference = Reference(
        sum: 178.13555621794464, first: 0.1988428325857967, last: 1.7943801626107878,
        rhat: 1.0132502097848928, rhatSplit: 1.009904366778861, essBulk: 228.79451277226966,
        essTail: 419.7514669299631, essMean: 227.95253507222705, essIdentity: 228.5452589497045,
        mcseMean: 0.15622973048003, mean: 0.04453388905448616, sd: 2.358771635681917,
        q05: -3.8409459963965236, q50: 0.004887973098799556, q95: 3.9882221979402557,
        acf: [1.0, 0.908612318507171, 0.817449452026816, 0.7295395028829569, 0.649602466090365, 0.5803239430325653],
        acov: [5.255789193408458, 4.775474804607793, 4.296341996120205])

    /// One chain of odd length. ArviZ's `rhat` returns NaN for one chain; the
    /// R-hat here is ArviZ's `_rhat_rank` body without its 2-chain check
    /// (posterior's convention, which BayesKit follows). `rhatSplit` is NaN
    /// in ArviZ for the same reason and is not compared.
    static let singleDraws = ar1(seed: 2, chains: 1, draws: 1001, phi: 0.5)
    static let singleReference = Reference(
        sum: 0.35768714632660803, first: 0.9037962798029184, last: -2.1791832618583937,
        rhat: 1.001999643888114, rhatSplit: .nan, essBulk: 317.0460157959897,
        essTail: 441.71144124739254, essMean: 315.90440850540176, essIdentity: 314.54711529129617,
        mcseMean: 0.06495867617653643, mean: 0.00035732981651009796, sd: 1.1545560169394282,
        q05: -1.8475289454825963, q50: -0.07361537516716998, q95: 2.029292365626773,
        acf: [1.0, 0.5228690509057968, 0.27645061898505785, 0.1700704434649092, 0.08485615847227099, 0.04193029813190979],
        acov: [1.3316679283227149, 0.6962879458037866, 0.36814042306736416])

    static let cauchyDraws = cauchy(seed: 3, chains: 4, draws: 1000)
    static let cauchyReference = Reference(
        sum: 1911.0738766925351, first: 0.563301728285498, last: -1.139976350891849,
        rhat: 0.9999685562958819, rhatSplit: 1.0003655761040628, essBulk: 3887.0393361450297,
        essTail: 3589.156420627215, essMean: 4017.0415756417665, essIdentity: 4008.637737724033,
        mcseMean: 3.23956310036252, mean: 0.47776846917313376, sd: 205.32394825266329,
        q05: -5.8236604410537485, q50: 0.0437210551576703, q95: 6.189362562695875,
        acf: [1.0, 0.0014086640540917784, -0.001913173052888998, 0.0007350293253422123, -0.002230680552704415,
              0.00017117228201046804],
        acov: [7512.438884386443, 10.582502614996523, -14.372595635083629])

    /// Chain 3 shifted by +4: R-hat far above 1.
    static let stuckDraws = ar1(seed: 4, chains: 4, draws: 1000, phi: 0.5, shift: [3: 4.0])
    static let stuckReference = Reference(
        sum: 3979.780680459042, first: -0.6862968264613301, last: 3.424105229300641,
        rhat: 1.501382149757237, rhatSplit: 1.8313085253990644, essBulk: 7.521248530539689,
        essTail: 30.696112440599354, essMean: 5.844742717071581, essIdentity: 2.780804547938524,
        mcseMean: 0.8287410943598829, mean: 0.9949451701147605, sd: 2.0035564066688547,
        q05: -1.7125556643526676, q50: 0.542389370685651, q95: 4.792996980248513,
        acf: [1.0, 0.5007862091781646, 0.2641760006271976, 0.14650590949504613, 0.06918815084561512,
              0.034694399310577516],
        acov: [1.4726738869835414, 0.7374947732181605, 0.38904509769142154])

    /// 2 × 9 values in {0, 1, 2, 3}: ties, odd length, short chains. ArviZ's
    /// tail ESS is 16.0 (the sample size, because I(x ≤ q95 = 3) is constant);
    /// BayesKit returns NaN there, as posterior does, so `essTail` is NaN.
    static let tiesDraws = ties(seed: 5, chains: 2, draws: 9)
    static let tiesReference = Reference(
        sum: 24.0, first: 3.0, last: 3.0,
        rhat: 1.0347574773789647, rhatSplit: 1.0132456102380443, essBulk: 19.265919722494797,
        essTail: .nan, essMean: 19.265919722494797, essIdentity: 22.594905091859506,
        mcseMean: 0.28175221576956283, mean: 1.3333333333333333, sd: 1.2366938848016846,
        q05: 0.0, q50: 1.0, q95: 3.0,
        acf: [1.0, -0.5845410628019323, 0.22222222222222215, -0.09057971014492759, -0.12077294685990332,
              0.24033816425120763],
        acov: [1.1358024691358024, -0.6639231824417009, 0.2524005486968449])

    static let cases: [(name: String, draws: [[Double]], reference: Reference)] = [
        ("ar1", ar1Draws, ar1Reference),
        ("single", singleDraws, singleReference),
        ("cauchy", cauchyDraws, cauchyReference),
        ("stuck", stuckDraws, stuckReference),
        ("ties", tiesDraws, tiesReference),
    ]
}

/// |a − b| ≤ tol·max(|a|, |b|, 1e-300), NaN equal to NaN.
func relativelyClose(_ a: Double, _ b: Double, _ tol: Double = 1e-8) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)
}
