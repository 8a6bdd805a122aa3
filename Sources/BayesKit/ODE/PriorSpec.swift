import Foundation

/// A univariate prior written as text, `family(a, b, ...)`, for command
/// lines: `normal(mean, sd)`, `uniform(low, high)`, `lognormal(mu, sigma)`,
/// `gamma(shape, rate)`, `inverse-gamma(shape, scale)`, `exponential(rate)`,
/// `beta(alpha, beta)`, `student-t(nu, loc, scale)`, `cauchy(loc, scale)`,
/// `half-normal(scale)`, `half-cauchy(scale)`. Parameters are validated by
/// the distribution itself ("Normal sd must be positive and finite, got -1").
public enum PriorSpec {
    /// Family names and their parameter names, for help texts and errors.
    public static let families: [(name: String, parameters: [String])] = [
        ("normal", ["mean", "sd"]), ("uniform", ["low", "high"]), ("lognormal", ["mu", "sigma"]),
        ("gamma", ["shape", "rate"]), ("inverse-gamma", ["shape", "scale"]), ("exponential", ["rate"]),
        ("beta", ["alpha", "beta"]), ("student-t", ["nu", "loc", "scale"]), ("cauchy", ["loc", "scale"]),
        ("half-normal", ["scale"]), ("half-cauchy", ["scale"]),
    ]

    /// `name(a, b)` split into the name and the numbers.
    public static func split(_ text: String) throws -> (family: String, arguments: [Double]) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let open = t.firstIndex(of: "("), t.hasSuffix(")") else {
            throw BayesKitError.invalidArgument("prior '\(text)' must look like family(a, b), e.g. normal(0, 1)")
        }
        let name = t[..<open].trimmingCharacters(in: .whitespaces).lowercased()
        let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
        let parts = inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let args = parts.map { Double($0) }
        guard !parts.isEmpty, args.allSatisfy({ $0 != nil }) else {
            throw BayesKitError.invalidArgument("prior '\(text)': the arguments must be numbers separated by commas")
        }
        return (name, args.map { $0! })
    }

    /// The distribution `text` describes.
    public static func parse(_ text: String) throws -> any ContinuousDistribution {
        let (name, a) = try split(text)
        guard let family = families.first(where: { $0.name == name }) else {
            throw BayesKitError.invalidArgument("unknown prior family '\(name)' in '\(text)'; known families: "
                + families.map { "\($0.name)(\($0.parameters.joined(separator: ", ")))" }.joined(separator: ", "))
        }
        guard a.count == family.parameters.count else {
            throw BayesKitError.invalidArgument("prior '\(text)': \(name) takes \(family.parameters.count) argument(s) (\(family.parameters.joined(separator: ", "))), got \(a.count)")
        }
        switch name {
        case "normal": return try Normal(mean: a[0], sd: a[1])
        case "uniform": return try Uniform(low: a[0], high: a[1])
        case "lognormal": return try LogNormal(mu: a[0], sigma: a[1])
        case "gamma": return try Gamma(shape: a[0], rate: a[1])
        case "inverse-gamma": return try InverseGamma(shape: a[0], scale: a[1])
        case "exponential": return try Exponential(rate: a[0])
        case "beta": return try Beta(alpha: a[0], beta: a[1])
        case "student-t": return try StudentT(nu: a[0], loc: a[1], scale: a[2])
        case "cauchy": return try Cauchy(loc: a[0], scale: a[1])
        case "half-normal": return try HalfNormal(scale: a[0])
        default: return try HalfCauchy(scale: a[0])
        }
    }

    /// The noise model of a prior on σ: any family above (on σ), or
    /// `log-uniform(low, high)` (uniform on log σ).
    public static func noise(_ text: String) throws -> ODENoise {
        let (name, a) = try split(text)
        if name == "log-uniform" {
            guard a.count == 2 else {
                throw BayesKitError.invalidArgument("prior '\(text)': log-uniform takes 2 arguments (low, high), got \(a.count)")
            }
            return try ODENoise.logUniform(low: a[0], high: a[1])
        }
        return .inferred(prior: try parse(text))
    }
}
