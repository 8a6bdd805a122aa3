internal import CBayesKit

/// The result of an optimisation: the final parameters and the loss before
/// every step.
public struct FitResult: Codable, Sendable, Equatable {
    public var weights: [Double]
    /// Loss at the point each step started from (`steps` values).
    public var lossHistory: [Double]
}

extension NetworkArchitecture {
    /// Least-squares fit without a prior: minimises PyTorch's `F.mse_loss`,
    /// `L(θ) = (1/(n w_L)) Σ (f(x; θ) − y)²`, from `initialWeights` with
    /// `steps` steps of `optimizer`. Seed 000 initialises MH this way: 200
    /// steps of `Adam(learningRate: 0.01)`, the defaults here.
    /// Throws on NaN in the data and, naming the step, on divergence.
    public func fitMSE(x: Matrix, y: Matrix, initialWeights: [Double], optimizer: any Optimizer = Adam(learningRate: 0.01),
                       steps: Int = 200) throws -> FitResult {
        try checkWeights(initialWeights.count, x)
        guard y.columns == outputCount, y.rows == x.rows else {
            throw BayesKitError.dimensionMismatch(
                "y is \(y.rows) x \(y.columns) but x has \(x.rows) rows and the network \(outputCount) outputs")
        }
        guard steps >= 0 else { throw BayesKitError.invalidArgument("steps must be >= 0, got \(steps)") }
        let net = try NetworkHandle(self)
        let state = try optimizer.makeState(dimension: parameterCount)
        var theta = initialWeights
        var history = [Double](repeating: 0, count: steps)
        try theta.withUnsafeMutableBufferPointer { t in
            try history.withUnsafeMutableBufferPointer { h in
                try check { bk_nn_fit_mse(state.raw, net.raw, x.rows, x.values, y.values, t.baseAddress, steps, h.baseAddress, $0) }
            }
        }
        return FitResult(weights: theta, lossHistory: history)
    }

    /// ``fitMSE(x:y:initialWeights:optimizer:steps:)`` for one input and one output given as vectors.
    public func fitMSE(x: [Double], y: [Double], initialWeights: [Double], optimizer: any Optimizer = Adam(learningRate: 0.01),
                       steps: Int = 200) throws -> FitResult {
        try fitMSE(x: Matrix(rows: x.count, columns: 1, values: x), y: Matrix(rows: y.count, columns: 1, values: y),
                   initialWeights: initialWeights, optimizer: optimizer, steps: steps)
    }
}

extension BNNPosterior {
    /// Maximum a posteriori: minimises `−log p_T(θ | D)` from `initial` with
    /// `steps` steps of `optimizer`; `lossHistory` holds `−log p_T`.
    public func fitMAP(initial: [Double], optimizer: any Optimizer = Adam(learningRate: 0.01), steps: Int) throws -> FitResult {
        guard initial.count == dimension else {
            throw BayesKitError.dimensionMismatch(
                "parameter vector has \(initial.count) values but the posterior has \(dimension) parameters")
        }
        guard steps >= 0 else { throw BayesKitError.invalidArgument("steps must be >= 0, got \(steps)") }
        let state = try optimizer.makeState(dimension: dimension)
        var theta = initial
        var history = [Double](repeating: 0, count: steps)
        try theta.withUnsafeMutableBufferPointer { t in
            try history.withUnsafeMutableBufferPointer { h in
                try check {
                    bk_optim_maximize(state.raw, bk_bnn_posterior_logdensity, UnsafeMutableRawPointer(raw), dimension,
                                      t.baseAddress, steps, h.baseAddress, $0)
                }
            }
        }
        return FitResult(weights: theta, lossHistory: history)
    }
}
