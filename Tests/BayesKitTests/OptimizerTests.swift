import BayesKit
import Foundation
import Testing

/// Gradient of f(θ) = ½ Σ aᵢ θᵢ².
private func quadraticGradient(_ theta: [Double], _ a: [Double]) -> [Double] { zip(a, theta).map { $0 * $1 } }

@Suite struct Optimizers {
    /// torch.optim.Adam(lr=0.1) on ½(θ₀² + 3θ₁²) from (1, −2); values of its
    /// update formula computed by hand (Python floats, PyTorch's expression).
    @Test func adamMatchesPyTorchsFormula() throws {
        let a = [1.0, 3.0]
        var theta = [1.0, -2.0]
        let state = try Adam(learningRate: 0.1).makeState(dimension: 2)
        let expected: [[Double]] = [
            [0.900000001, -1.9000000001666666],
            [0.8004122297123382, -1.800166485947237],
            [0.701586274504415, -1.7006233917912488],
        ]
        for e in expected {
            try state.step(&theta, gradient: quadraticGradient(theta, a))
            #expect(abs(theta[0] - e[0]) < 1e-14 && abs(theta[1] - e[1]) < 1e-14, "\(theta) vs \(e)")
        }
        #expect(state.steps == 3)
        state.reset()
        #expect(state.steps == 0)
    }

    @Test func adamWeightDecayIsAddedToTheGradient() throws {
        // L2 decay 0.5 on f = 0: g = 0.5 θ, so the first step is θ - lr·sign(θ) (|g|/(|g|+ε))
        var theta = [2.0]
        try Adam(learningRate: 0.1, weightDecay: 0.5).makeState(dimension: 1).step(&theta, gradient: [0])
        #expect(abs(theta[0] - (2 - 0.1 * 1 / (1 + 1e-8))) < 1e-15)
        // decoupled (AdamW): θ(1 - lr λ) first, then the Adam step on g = 0 (which is 0)
        var t2 = [2.0]
        try Adam(learningRate: 0.1, weightDecay: 0.5, decoupledWeightDecay: true).makeState(dimension: 1).step(&t2, gradient: [0])
        #expect(t2[0] == 2 * (1 - 0.05))
    }

    @Test func sgdMomentumByHand() throws {
        // f = ½θ², lr 0.1, μ 0.9: b = 1, 1.8, 2.34; θ = 0.9, 0.72, 0.486
        var theta = [1.0]
        let state = try SGD(learningRate: 0.1, momentum: 0.9).makeState(dimension: 1)
        for e in [0.9, 0.72, 0.486] {
            try state.step(&theta, gradient: theta)
            #expect(abs(theta[0] - e) < 1e-15)
        }
        // Nesterov: g + μb = 1 + 0.9 → θ = 1 - 0.19
        var t2 = [1.0]
        try SGD(learningRate: 0.1, momentum: 0.9, nesterov: true).makeState(dimension: 1).step(&t2, gradient: t2)
        #expect(abs(t2[0] - 0.81) < 1e-15)
        // dampening 0.5 and weight decay 1: g = θ + θ = 2θ; b₁ = 2, θ₁ = 0.8; g = 1.6, b₂ = 1.8 + 0.8 = 2.6, θ₂ = 0.54
        var t3 = [1.0]
        let s3 = try SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 1).makeState(dimension: 1)
        try s3.step(&t3, gradient: t3)
        #expect(abs(t3[0] - 0.8) < 1e-15)
        try s3.step(&t3, gradient: t3)
        #expect(abs(t3[0] - 0.54) < 1e-15)
    }

    @Test func bothConvergeOnAnIllConditionedQuadratic() throws {
        let a = [1.0, 10.0, 0.3]
        for opt in [Adam(learningRate: 0.05, schedule: .cosine(period: 3000, minimum: 1e-4)) as any Optimizer,
                    SGD(learningRate: 0.05, momentum: 0.9)] {
            var theta = [3.0, -2.0, 1.0]
            let state = try opt.makeState(dimension: 3)
            for _ in 0..<3000 { try state.step(&theta, gradient: quadraticGradient(theta, a)) }
            #expect(theta.allSatisfy { abs($0) < 1e-3 }, "\(opt): \(theta)")
        }
    }

    @Test func learningRateSchedules() {
        #expect(LearningRateSchedule.constant.learningRate(base: 0.1, afterSteps: 1000) == 0.1)
        #expect(abs(LearningRateSchedule.step(every: 10, gamma: 0.5).learningRate(base: 0.1, afterSteps: 25) - 0.025) < 1e-17)
        #expect(LearningRateSchedule.step(every: 10, gamma: 0.5).learningRate(base: 0.1, afterSteps: 9) == 0.1)
        #expect(abs(LearningRateSchedule.exponential(gamma: 0.9).learningRate(base: 1, afterSteps: 3) - 0.729) < 1e-15)
        let cos = LearningRateSchedule.cosine(period: 100, minimum: 0.01)
        #expect(cos.learningRate(base: 0.1, afterSteps: 0) == 0.1)
        #expect(abs(cos.learningRate(base: 0.1, afterSteps: 50) - 0.055) < 1e-15)
        #expect(abs(cos.learningRate(base: 0.1, afterSteps: 100) - 0.01) < 1e-15)
        #expect(abs(cos.learningRate(base: 0.1, afterSteps: 500) - 0.01) < 1e-15)
    }

    /// The schedule drives the step: SGD with step decay on f = θ (gradient 1).
    @Test func scheduleIsAppliedPerStep() throws {
        var theta = [0.0]
        let state = try SGD(learningRate: 1, schedule: .step(every: 2, gamma: 0.5)).makeState(dimension: 1)
        for _ in 0..<5 { try state.step(&theta, gradient: [1]) }
        #expect(theta[0] == -(1 + 1 + 0.5 + 0.5 + 0.25))
    }

    /// Seed 000's MH initialisation: 200 Adam steps (lr 0.01) on the MSE, no prior.
    @Test func mseFitOnTheSineData() throws {
        let data = try Datasets.sine()
        let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        let w0 = try arch.defaultInitialWeights(stream: RandomStream(seed: 0))
        let fit = try arch.fitMSE(x: data.x, y: data.y, initialWeights: w0)
        #expect(fit.lossHistory.count == 200)
        let f0 = try arch.forward(weights: w0, inputs: Matrix(rows: 20, columns: 1, values: data.x)).values
        let mse0 = zip(f0, data.y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 20
        #expect(abs(fit.lossHistory[0] - mse0) < 1e-14)
        let f = try arch.forward(weights: fit.weights, inputs: Matrix(rows: 20, columns: 1, values: data.x)).values
        let mse = zip(f, data.y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 20
        #expect(mse < 0.5 * mse0)
        #expect(fit.lossHistory.last! >= mse)   // history holds the loss before each step
    }

    @Test func mapFitRaisesTheLogPosterior() throws {
        let data = try Datasets.sine()
        let arch = try NetworkArchitecture(layers: [1, 10, 1], activation: .tanh)
        let post = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                    x: data.x, y: data.y)
        let w0 = try arch.defaultInitialWeights(stream: RandomStream(seed: 1))
        let fit = try post.fitMAP(initial: w0, steps: 2000)
        #expect(fit.lossHistory[0] == -(try post.logDensity(w0)))
        let (value, grad) = try post.logDensityAndGradient(fit.weights)
        #expect(value > -fit.lossHistory[0] + 100)
        // close to a stationary point relative to where it started
        let g0 = try post.logDensityAndGradient(w0).gradient
        #expect(grad.map(abs).max()! < 0.05 * g0.map(abs).max()!)
    }

    @Test func divergenceAndBadInputGiveMessages() throws {
        let data = try Datasets.sine()
        let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        let post = try BNNPosterior(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                    x: data.x, y: data.y)
        let w0 = try arch.defaultInitialWeights(stream: RandomStream(seed: 0))
        #expect(throws: BayesKitError.self) {
            try post.fitMAP(initial: w0, optimizer: SGD(learningRate: 10), steps: 100)
        }
        do {
            _ = try post.fitMAP(initial: w0, optimizer: SGD(learningRate: 10), steps: 100)
        } catch let e as BayesKitError {
            #expect(e.code == .nonFinite)
            #expect(e.message.hasPrefix("optimization diverged at step "), "\(e.message)")
        }
        #expect(throws: BayesKitError.invalidArgument("learning rate must be positive and finite, got 0")) {
            try Adam(learningRate: 0).makeState(dimension: 3)
        }
        #expect(throws: BayesKitError.invalidArgument("Adam beta1 must be in [0, 1), got 1")) {
            try Adam(beta1: 1).makeState(dimension: 3)
        }
        #expect(throws: BayesKitError.invalidArgument("SGD dampening must be in [0, 1], got 2")) {
            try SGD(learningRate: 0.1, dampening: 2).makeState(dimension: 3)
        }
        #expect(throws: BayesKitError.invalidArgument("Nesterov momentum needs momentum > 0 and dampening 0")) {
            try SGD(learningRate: 0.1, nesterov: true).makeState(dimension: 3)
        }
        #expect(throws: BayesKitError.invalidArgument("cosine schedule needs period >= 1, got 0")) {
            try SGD(learningRate: 0.1, schedule: .cosine(period: 0)).makeState(dimension: 3)
        }
        #expect(throws: BayesKitError.invalidArgument("schedule gamma must be in (0, 1], got 1.5")) {
            try SGD(learningRate: 0.1, schedule: .exponential(gamma: 1.5)).makeState(dimension: 3)
        }
        #expect(throws: BayesKitError.invalidArgument("optimizer needs at least 1 parameter, got 0")) {
            try Adam().makeState(dimension: 0)
        }
        let state = try Adam().makeState(dimension: 2)
        var p = [1.0, 2.0]
        #expect(throws: BayesKitError.nonFinite("gradient is not finite at index 1 (nan) in step 1")) {
            try state.step(&p, gradient: [0, .nan])
        }
        #expect(p == [1, 2] && state.steps == 0)
        #expect(throws: BayesKitError.nonFinite("x is not finite at row 0, column 0 (NaN or infinity in data)")) {
            try arch.fitMSE(x: [.nan], y: [0], initialWeights: w0)
        }
    }

    @Test func configurationsAreCodable() throws {
        let adam = Adam(learningRate: 0.01, weightDecay: 1e-4, schedule: .cosine(period: 100))
        #expect(try JSONDecoder().decode(Adam.self, from: JSONEncoder().encode(adam)) == adam)
        let sgd = SGD(learningRate: 0.1, momentum: 0.9, schedule: .step(every: 30, gamma: 0.1))
        #expect(try JSONDecoder().decode(SGD.self, from: JSONEncoder().encode(sgd)) == sgd)
    }
}
