/// A Bayesian neural network model: architecture, likelihood and weight
/// prior, before any data. Seed 000's model is
/// `BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1))`.
public struct BNN: Sendable, Hashable, Codable {
    public let architecture: NetworkArchitecture
    public var likelihood: Likelihood
    public var prior: WeightPrior

    public init(layers: [Int], activation: Activation = .relu, likelihood: Likelihood = .gaussian(sigma: 0.1),
                prior: WeightPrior = .normal(std: 1)) throws {
        try self.init(architecture: NetworkArchitecture(layers: layers, activation: activation), likelihood: likelihood,
                      prior: prior)
    }

    public init(architecture: NetworkArchitecture, likelihood: Likelihood, prior: WeightPrior) throws {
        try likelihood.validate(for: architecture)
        self.architecture = architecture
        self.likelihood = likelihood
        self.prior = prior
    }

    /// Number of sampled parameters: the weights plus any likelihood parameter.
    public var dimension: Int { architecture.parameterCount + likelihood.extraParameterNames.count }
    public var parameterNames: [String] { architecture.parameterNames + likelihood.extraParameterNames }

    /// The posterior on data `x` (`n × w₀`) and `y`.
    public func posterior(x: Matrix, y: Matrix, temperature: Double = 1) throws -> BNNPosterior {
        try BNNPosterior(architecture: architecture, likelihood: likelihood, prior: prior, x: x, y: y, temperature: temperature)
    }

    /// One-input, one-output data as vectors.
    public func posterior(x: [Double], y: [Double], temperature: Double = 1) throws -> BNNPosterior {
        try BNNPosterior(architecture: architecture, likelihood: likelihood, prior: prior, x: x, y: y, temperature: temperature)
    }
}
