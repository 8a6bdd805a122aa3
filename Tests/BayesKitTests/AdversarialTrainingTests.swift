import BayesKit
import Foundation
import Testing

@Suite struct AdversarialTrainingTests {
    /// ε = 0 runs the adversarial path (x' = x) and must give exactly the
    /// plain ensemble: ½(NLL(x) + NLL(x)) and its gradient are exact.
    @Test func zeroStepIsPlainTraining() throws {
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 16, 2], activation: .relu)
        let training = Training(head: .meanVariance, epochs: 100, batchSize: 8, dropout: [0.1])
        let plain = try DeepEnsemble(members: 2, training: training).fit(architecture: arch, x: x, y: sine.y, seed: 3, threads: 1)
        let zero = try DeepEnsemble(members: 2, training: training, adversarialFraction: 0)
            .fit(architecture: arch, x: x, y: sine.y, seed: 3, threads: 1)
        #expect(zero.members == plain.members)
        #expect(zero.lossHistory == plain.lossHistory)
        #expect(throws: BayesKitError.self) {
            try DeepEnsemble(members: 1, training: training, adversarialFraction: -0.1).fit(architecture: arch, x: x, y: sine.y)
        }
    }

    /// Training with the adversarial term lowers the loss on adversarial inputs (every member, same seeds).
    @Test func adversarialTermLowersTheAdversarialLoss() throws {
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 32, 2], activation: .relu)
        let training = Training(head: .meanVariance, epochs: 1000)
        let fraction = 0.05
        let steps = try Training.adversarialSteps(x: x, fraction: fraction)
        #expect(abs(steps[0] - fraction * (sine.x.max()! - sine.x.min()!)) < 1e-15)
        let plain = try DeepEnsemble(members: 3, training: training).fit(architecture: arch, x: x, y: sine.y, seed: 0, threads: 2)
        let robust = try DeepEnsemble(members: 3, training: training, adversarialFraction: fraction)
            .fit(architecture: arch, x: x, y: sine.y, seed: 0, threads: 2)
        for k in 0..<3 {
            let a = try training.losses(architecture: arch, weights: plain.members[k], x: x, y: sine.y, adversarialSteps: steps)
            let b = try training.losses(architecture: arch, weights: robust.members[k], x: x, y: sine.y, adversarialSteps: steps)
            #expect(a.adversarial > a.clean)
            #expect(b.adversarial < a.adversarial, "member \(k): \(b.adversarial) vs \(a.adversarial)")
        }
    }
}
