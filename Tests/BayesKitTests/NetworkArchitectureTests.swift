import BayesKit
import Foundation
import Testing

@Suite struct NetworkArchitectureAPI {
    @Test func parameterNamesAndOrderFor151() throws {
        let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        #expect(arch.parameterCount == 16)
        let names = arch.parameterNames
        #expect(names.count == 16)
        #expect(names[0] == "layer0.W[0,0]")
        #expect(names[1] == "layer0.W[1,0]")
        #expect(names[5] == "layer0.b[0]")
        #expect(names[9] == "layer0.b[4]")
        #expect(names[10] == "layer1.W[0,0]")
        #expect(names[11] == "layer1.W[0,1]")
        #expect(names[15] == "layer1.b[0]")
        #expect(arch.layerOffset(1) == 10)
        #expect(arch.activations == [.relu])
        // a 2-3-3-2 net: layer0 W is 3x2 (6), b 3; layer1 W 3x3 (9), b 3; layer2 W 2x3, b 2
        let deep = try NetworkArchitecture(layers: [2, 3, 3, 2], activations: [.tanh, .sin])
        #expect(deep.parameterCount == 9 + 12 + 8)
        #expect(deep.parameterNames[1] == "layer0.W[0,1]")
        #expect(deep.parameterNames[6] == "layer0.b[0]")
        #expect(deep.parameterNames[9] == "layer1.W[0,0]")
        #expect(deep.parameterNames[28] == "layer2.b[1]")
    }

    @Test func forwardOnAHandComputedNetwork() throws {
        let arch = try NetworkArchitecture(layers: [2, 2, 1], activation: .relu)
        let w: [Double] = [1, -2, 0.5, 3, 0.25, -1, 2, -1, 0.5]
        let out = try arch.forward(weights: w, inputs: Matrix([[1, 1], [2, -1], [0.5, 0.5]]))
        #expect(out == (try Matrix([[-2], [9], [-0.25]])))
        // identity hidden layer: a plain affine map 2 W1 W0 x + ...
        let lin = try NetworkArchitecture(layers: [2, 2, 1], activation: .identity)
        let o2 = try lin.forward(weights: w, inputs: Matrix([[1, 1]]))
        #expect(o2[0, 0] == 2 * -0.75 - 1 * 2.5 + 0.5)
        // sigmoid, tanh with one hidden unit: f = w1 act(w0 x + b0) + b1
        for (act, fn) in [(Activation.sigmoid, { 1 / (1 + exp(-$0)) }), (.tanh, { tanh($0) }), (.sin, { sin($0) }),
                          (.softplus, { log1p(exp($0)) })] as [(Activation, (Double) -> Double)] {
            let a = try NetworkArchitecture(layers: [1, 1, 1], activation: act)
            let y = try a.forward(weights: [0.7, -0.2, 1.5, 0.1], inputs: Matrix([[0.9]]))
            #expect(abs(y[0, 0] - (1.5 * fn(0.7 * 0.9 - 0.2) + 0.1)) < 1e-15, "\(act)")
        }
    }

    @Test func predictEqualsSingleForwardsForAnyThreadCount() throws {
        let arch = try NetworkArchitecture(layers: [1, 20, 1], activation: .tanh)
        let s = 12
        let stream = try RandomStream(seed: 5)
        let samples = try Matrix(rows: s, columns: arch.parameterCount, values: stream.normals(s * arch.parameterCount))
        let x = try Matrix(rows: 30, columns: 1, values: linspace(-3, 3, 30))
        let p1 = try arch.predict(weightSamples: samples, inputs: x, threads: 1)
        let p2 = try arch.predict(weightSamples: samples, inputs: x, threads: 2)
        #expect(p1 == p2)
        #expect(p1.count == s)
        for k in 0..<s { #expect(p1[k] == (try arch.forward(weights: samples.row(k), inputs: x))) }
    }

    @Test func codableRoundTripValidates() throws {
        let arch = try NetworkArchitecture(layers: [3, 8, 8, 2], activations: [.softplus, .relu])
        let data = try JSONEncoder().encode(arch)
        #expect(try JSONDecoder().decode(NetworkArchitecture.self, from: data) == arch)
        let bad = Data(#"{"layers":[1,0,1],"activations":["relu"]}"#.utf8)
        #expect(throws: BayesKitError.invalidArgument("layer width 1 is 0; every width must be >= 1")) {
            try JSONDecoder().decode(NetworkArchitecture.self, from: bad)
        }
    }

    @Test func defaultInitialisationIsPyTorchsUniform() throws {
        let arch = try NetworkArchitecture(layers: [4, 9, 1])
        let w = try arch.defaultInitialWeights(stream: RandomStream(seed: 1))
        #expect(w.count == arch.parameterCount)
        #expect(w[0..<45].allSatisfy { abs($0) < 0.5 })           // 1/sqrt(4)
        #expect(w[45...].allSatisfy { abs($0) < 1 / 3.0 })        // 1/sqrt(9)
        #expect(w[45...].contains { abs($0) > 0.25 })
        #expect(w == (try arch.defaultInitialWeights(stream: RandomStream(seed: 1))))
    }

    @Test func badInputGivesMessages() throws {
        #expect(throws: BayesKitError.invalidArgument("layer width 1 is 0; every width must be >= 1")) {
            try NetworkArchitecture(layers: [1, 0, 1])
        }
        #expect(throws: BayesKitError.invalidArgument("layer width 0 is -2; every width must be >= 1")) {
            try NetworkArchitecture(layers: [-2, 1])
        }
        #expect(throws: BayesKitError.invalidArgument("a network needs at least 2 layer widths (inputs and outputs), got 0")) {
            try NetworkArchitecture(layers: [])
        }
        #expect(throws: BayesKitError.dimensionMismatch(
            "2 activations given for 1 hidden layers; give 1 (shared) or one per hidden layer")) {
            try NetworkArchitecture(layers: [1, 5, 1], activations: [.relu, .tanh])
        }
        let arch = try NetworkArchitecture(layers: [1, 5, 1])
        #expect(throws: BayesKitError.dimensionMismatch("weight vector has 15 values but the network has 16 parameters")) {
            try arch.forward(weights: Array(repeating: 0, count: 15), inputs: Matrix([[1]]))
        }
        #expect(throws: BayesKitError.dimensionMismatch("inputs have 2 columns but the network has 1 inputs")) {
            try arch.forward(weights: Array(repeating: 0, count: 16), inputs: Matrix([[1, 2]]))
        }
        #expect(throws: BayesKitError.nonFinite("inputs contains a non-finite value (nan) at index 1")) {
            try arch.forward(weights: Array(repeating: 0, count: 16), inputs: Matrix([[1], [.nan]]))
        }
        #expect(throws: BayesKitError.nonFinite("inputs contain NaN or infinity")) {
            try arch.predict(weightSamples: Matrix(rows: 2, columns: 16), inputs: Matrix([[.infinity]]))
        }
        #expect(throws: BayesKitError.invalidArgument("thread count must be >= 1, got 0")) {
            try arch.predict(weightSamples: Matrix(rows: 2, columns: 16), inputs: Matrix([[1]]), threads: 0)
        }
    }
}
