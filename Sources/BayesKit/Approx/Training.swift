internal import CBayesKit

/// What the network's outputs mean and which loss trains them
/// (`include/bayeskit/approx.h`); the loss is the mean NLL per row.
public enum OutputHead: String, Codable, Sendable, CaseIterable {
    /// `w_L` means, NLL `(y − f)²/(2σ²) + log σ + ½ log 2π` with a fixed σ (`noiseSD`).
    case gaussian
    /// Outputs (μ, s), σ = softplus(s) + 10⁻⁶, the Gaussian NLL of both
    /// (Lakshminarayanan et al. 2017's heteroscedastic head).
    case meanVariance = "mean-variance"
    /// One logit, labels in {0, 1}.
    case bernoulli
    /// `K ≥ 2` logits, class labels `0..<K` (softmax cross-entropy).
    case softmax

    var cValue: Int32 {
        switch self {
        case .gaussian: return Int32(BK_HEAD_GAUSSIAN.rawValue)
        case .meanVariance: return Int32(BK_HEAD_HETEROSCEDASTIC.rawValue)
        case .bernoulli: return Int32(BK_HEAD_BERNOULLI.rawValue)
        case .softmax: return Int32(BK_HEAD_CATEGORICAL.rawValue)
        }
    }

    var isClassification: Bool { self == .bernoulli || self == .softmax }
}

/// The optimiser of a ``Training`` (PyTorch's formulas, ``Adam`` / ``SGD``).
public enum TrainingOptimizer: Codable, Sendable, Hashable {
    case adam(Adam)
    case sgd(SGD)

    var cValue: bk_optim_config {
        switch self {
        case let .adam(a):
            var c = bk_optim_adam_default(a.learningRate)
            c.beta1 = a.beta1
            c.beta2 = a.beta2
            c.eps = a.epsilon
            c.weight_decay = a.weightDecay
            c.decoupled = a.decoupledWeightDecay ? 1 : 0
            c.schedule = a.schedule.cValue
            return c
        case let .sgd(s):
            var c = bk_optim_sgd_default(s.learningRate)
            c.momentum = s.momentum
            c.dampening = s.dampening
            c.nesterov = s.nesterov ? 1 : 0
            c.weight_decay = s.weightDecay
            c.schedule = s.schedule.cValue
            return c
        }
    }

    /// The L2 weight decay λ (the optimiser adds λθ to the gradient of the mean loss).
    public var weightDecay: Double {
        switch self {
        case let .adam(a): return a.weightDecay
        case let .sgd(s): return s.weightDecay
        }
    }
}

/// Minibatch training of one network on the C engine (`bk_approx_train`):
/// every epoch shuffles the rows, each batch draws fresh dropout /
/// DropConnect masks, and one optimiser step is taken on the batch's mean
/// NLL under the ``OutputHead``. Randomness (order, masks) comes from one
/// stream, so a fit depends only on `(seed, stream)`.
public struct Training: Codable, Sendable, Hashable {
    public var head: OutputHead
    /// σ of the ``OutputHead/gaussian`` loss (1: half the squared error).
    public var noiseSD: Double
    public var epochs: Int
    /// Rows per step; `nil` = all rows.
    public var batchSize: Int?
    /// Dropout rate per hidden layer (one value: the same for all); `nil` = none.
    public var dropout: [Double]?
    /// DropConnect rate on every weight matrix (0 = none).
    public var dropConnect: Double
    public var optimizer: TrainingOptimizer

    public init(head: OutputHead = .gaussian, noiseSD: Double = 1, epochs: Int = 1000, batchSize: Int? = nil,
                dropout: [Double]? = nil, dropConnect: Double = 0,
                optimizer: TrainingOptimizer = .adam(Adam(learningRate: 0.01))) {
        self.head = head
        self.noiseSD = noiseSD
        self.epochs = epochs
        self.batchSize = batchSize
        self.dropout = dropout
        self.dropConnect = dropConnect
        self.optimizer = optimizer
    }

    enum CodingKeys: String, CodingKey {
        case head, noiseSD = "noise_sd", epochs, batchSize = "batch_size", dropout, dropConnect = "drop_connect",
             optimizer
    }

    /// The per-hidden-layer rates for `architecture` (a single rate is repeated).
    func rates(for architecture: NetworkArchitecture) throws -> [Double]? {
        guard let dropout else { return nil }
        let hidden = architecture.layerCount - 1
        guard hidden >= 1 else { throw BayesKitError.invalidArgument("dropout needs a hidden layer; the network has none") }
        if dropout.count == 1 { return [Double](repeating: dropout[0], count: hidden) }
        guard dropout.count == hidden else {
            throw BayesKitError.dimensionMismatch("dropout has \(dropout.count) rates but the network has \(hidden) hidden layers")
        }
        return dropout
    }

    /// Runs `body` with the C configuration (valid only inside `body`).
    func withConfig<R>(_ architecture: NetworkArchitecture, swaStart: Int = 0, swaEvery: Int = 1,
                       adversarialSteps: [Double]? = nil,
                       _ body: (UnsafePointer<bk_train_config>) throws -> R) throws -> R {
        guard let steps = adversarialSteps else {
            return try withConfig(architecture, swaStart: swaStart, swaEvery: swaEvery, body: body)
        }
        guard steps.count == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("adversarial steps: \(steps.count) values for \(architecture.inputCount) inputs")
        }
        return try steps.withUnsafeBufferPointer { eps in
            try withConfig(architecture, swaStart: swaStart, swaEvery: swaEvery) { cfg in
                var c = cfg.pointee
                c.adversarial_eps = eps.baseAddress
                return try body(&c)
            }
        }
    }

    private func withConfig<R>(_ architecture: NetworkArchitecture, swaStart: Int, swaEvery: Int,
                               body: (UnsafePointer<bk_train_config>) throws -> R) throws -> R {
        guard epochs >= 1 else { throw BayesKitError.invalidArgument("epochs must be >= 1, got \(epochs)") }
        if let b = batchSize, b < 1 { throw BayesKitError.invalidArgument("batch size must be >= 1, got \(b)") }
        guard swaStart >= 0, swaEvery >= 1 else {
            throw BayesKitError.invalidArgument("SWA start must be >= 0 and interval >= 1; got \(swaStart), \(swaEvery)")
        }
        let r = try rates(for: architecture)
        var cfg = bk_train_config()
        cfg.head = head.cValue
        cfg.sigma = noiseSD
        cfg.epochs = epochs
        cfg.batch_size = batchSize ?? 0
        cfg.dropconnect = dropConnect
        cfg.optim = optimizer.cValue
        cfg.swa_start = swaStart
        cfg.swa_every = swaEvery
        guard let r else { return try body(&cfg) }
        return try r.withUnsafeBufferPointer { p in
            cfg.dropout = p.baseAddress
            cfg.ndropout = p.count
            return try body(&cfg)
        }
    }

    /// Trains `architecture` from `initialWeights` (default: PyTorch's
    /// initialisation drawn from the same stream) on inputs `x` (n × d) and
    /// targets `y` (n values: the target, or the class label). Returns the
    /// weights and the mean NLL per row of each epoch.
    public func train(architecture: NetworkArchitecture, x: Matrix, y: [Double], seed: UInt64, stream: UInt64 = 0,
                      initialWeights: [Double]? = nil) throws -> FitResult {
        let rng = try RandomStream(seed: seed, stream: stream)
        let theta0 = try initialWeights ?? architecture.defaultInitialWeights(stream: rng)
        return try train(architecture: architecture, x: x, y: y, rng: rng, initialWeights: theta0, swag: nil)
    }

    func train(architecture: NetworkArchitecture, x: Matrix, y: [Double], rng: RandomStream, initialWeights: [Double],
               swag: SWAGHandle?, swaStart: Int = 0, swaEvery: Int = 1) throws -> FitResult {
        try checkTrainingData(architecture, x, y)
        try architecture.checkWeights(initialWeights.count, x)
        let net = try NetworkHandle(architecture)
        var theta = initialWeights
        var history = [Double](repeating: 0, count: epochs)
        try withConfig(architecture, swaStart: swaStart, swaEvery: swaEvery) { cfg in
            try check { err in
                bk_approx_train(rng.raw, net.raw, cfg, x.rows, x.values, y, &theta, &history, swag?.raw, err)
            }
        }
        return FitResult(weights: theta, lossHistory: history)
    }

    /// The mean NLL per row of `weights` on (`x`, `y`) without dropout, and
    /// at the fast-gradient-sign inputs x' = x + ε ⊙ sign(∇ₓ NLL) with
    /// per-input steps `adversarialSteps` (Goodfellow et al. 2015;
    /// `bk_approx_adversarial_loss`).
    public func losses(architecture: NetworkArchitecture, weights: [Double], x: Matrix, y: [Double],
                       adversarialSteps: [Double]) throws -> (clean: Double, adversarial: Double) {
        try checkTrainingData(architecture, x, y)
        try architecture.checkWeights(weights.count, x)
        guard adversarialSteps.count == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("adversarial steps: \(adversarialSteps.count) values for \(architecture.inputCount) inputs")
        }
        let net = try NetworkHandle(architecture)
        var clean = 0.0, adversarial = 0.0
        try withConfig(architecture) { cfg in
            try check { bk_approx_adversarial_loss(net.raw, cfg, x.rows, x.values, y, weights, adversarialSteps, &clean, &adversarial, $0) }
        }
        return (clean, adversarial)
    }

    /// Lakshminarayanan et al. (2017)'s adversarial steps: `fraction` (0.01 in the paper) of each input's range in `x`.
    public static func adversarialSteps(x: Matrix, fraction: Double = 0.01) throws -> [Double] {
        guard fraction >= 0, fraction.isFinite else {
            throw BayesKitError.invalidArgument("adversarial fraction must be >= 0 and finite, got \(fraction)")
        }
        return (0..<x.columns).map { j in
            let c = x.column(j)
            return fraction * ((c.max() ?? 0) - (c.min() ?? 0))
        }
    }

    func checkTrainingData(_ architecture: NetworkArchitecture, _ x: Matrix, _ y: [Double]) throws {
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("x has \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        let perRow: Int
        switch head {
        case .gaussian: perRow = architecture.outputCount
        case .meanVariance: perRow = architecture.outputCount / 2
        case .bernoulli, .softmax: perRow = 1
        }
        guard y.count == x.rows * perRow else {
            throw BayesKitError.dimensionMismatch(
                "y has \(y.count) values but x has \(x.rows) rows and the \(head.rawValue) head takes \(perRow) per row")
        }
    }
}
