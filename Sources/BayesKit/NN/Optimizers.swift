internal import CBayesKit

/// The learning rate after `s` completed steps, from the base rate `lr`.
public enum LearningRateSchedule: Codable, Sendable, Hashable {
    /// `lr`
    case constant
    /// `lr · gamma^⌊s / every⌋` (PyTorch's `StepLR`).
    case step(every: Int, gamma: Double)
    /// `lr · gamma^s` (PyTorch's `ExponentialLR`).
    case exponential(gamma: Double)
    /// `min + (lr − min)(1 + cos(π · min(s, period) / period)) / 2`
    /// (Loshchilov & Hutter 2017), held at `min` after `period` steps.
    case cosine(period: Int, minimum: Double = 0)

    var cValue: bk_lr_schedule {
        var s = bk_lr_schedule()
        s.gamma = 1
        s.step_size = 1
        s.period = 1
        switch self {
        case .constant: s.kind = Int32(BK_LR_CONSTANT.rawValue)
        case .step(let every, let gamma):
            s.kind = Int32(BK_LR_STEP.rawValue)
            s.step_size = max(every, 0)
            s.gamma = gamma
        case .exponential(let gamma):
            s.kind = Int32(BK_LR_EXPONENTIAL.rawValue)
            s.gamma = gamma
        case .cosine(let period, let minimum):
            s.kind = Int32(BK_LR_COSINE.rawValue)
            s.period = max(period, 0)
            s.eta_min = minimum
        }
        return s
    }

    /// The rate after `steps` completed steps from base rate `base`.
    public func learningRate(base: Double, afterSteps steps: Int) -> Double {
        var c = bk_optim_sgd_default(base)
        c.schedule = cValue
        return bk_optim_lr_at(&c, max(steps, 0))
    }
}

/// A first-order optimiser configuration that MINIMISES a loss.
public protocol Optimizer: Sendable, Codable {
    /// Fresh state (zero moments, step 0) for `dimension` parameters.
    func makeState(dimension: Int) throws -> OptimizerState
}

/// Adam (Kingma & Ba 2015) with PyTorch's formula and defaults:
///
///     g ← g + λθ          (or, with decoupledWeightDecay, AdamW's θ ← θ(1 − η_t λ))
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     θ ← θ − η_t/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
public struct Adam: Optimizer, Hashable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    public var decoupledWeightDecay: Bool
    public var schedule: LearningRateSchedule

    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false, schedule: LearningRateSchedule = .constant) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.schedule = schedule
    }

    public func makeState(dimension: Int) throws -> OptimizerState {
        var c = bk_optim_adam_default(learningRate)
        c.beta1 = beta1
        c.beta2 = beta2
        c.eps = epsilon
        c.weight_decay = weightDecay
        c.decoupled = decoupledWeightDecay ? 1 : 0
        c.schedule = schedule.cValue
        return try OptimizerState(dimension: dimension, config: c)
    }
}

/// Stochastic gradient descent with momentum μ, dampening d and weight
/// decay λ, PyTorch's formula:
///
///     g ← g + λθ;   b ← g (first step), else b ← μb + (1 − d)g
///     g ← g + μb (Nesterov) or b;   θ ← θ − η_t g
public struct SGD: Optimizer, Hashable {
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var weightDecay: Double
    public var schedule: LearningRateSchedule

    public init(learningRate: Double, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
                weightDecay: Double = 0, schedule: LearningRateSchedule = .constant) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.schedule = schedule
    }

    public func makeState(dimension: Int) throws -> OptimizerState {
        var c = bk_optim_sgd_default(learningRate)
        c.momentum = momentum
        c.dampening = dampening
        c.nesterov = nesterov ? 1 : 0
        c.weight_decay = weightDecay
        c.schedule = schedule.cValue
        return try OptimizerState(dimension: dimension, config: c)
    }
}

/// The running state of an optimiser (moments, step count), owning the C
/// `bk_optim`. One per thread.
public final class OptimizerState {
    let raw: OpaquePointer

    init(dimension: Int, config: bk_optim_config) throws {
        guard dimension >= 1 else {
            throw BayesKitError.invalidArgument("optimizer needs at least 1 parameter, got \(dimension)")
        }
        var config = config
        var out: OpaquePointer?
        try check { bk_optim_alloc(dimension, &config, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate an optimizer") }
        raw = out
    }

    deinit { bk_optim_free(raw) }

    public var dimension: Int { bk_optim_dim(raw) }
    /// Completed steps.
    public var steps: Int { bk_optim_steps(raw) }

    /// Back to step 0 with zero moments.
    public func reset() { bk_optim_reset(raw) }

    /// One update of `parameters` against `gradient` (a minimisation step).
    /// Throws, leaving both unchanged, when the gradient is not finite.
    public func step(_ parameters: inout [Double], gradient: [Double]) throws {
        guard parameters.count == dimension, gradient.count == dimension else {
            throw BayesKitError.dimensionMismatch(
                "optimizer has \(dimension) parameters, got \(parameters.count) parameters and \(gradient.count) gradient values")
        }
        try parameters.withUnsafeMutableBufferPointer { p in
            try check { bk_optim_step(raw, p.baseAddress, gradient, $0) }
        }
    }
}
