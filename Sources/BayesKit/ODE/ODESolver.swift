internal import CBayesKit

/// GSL's `gsl_odeiv2` steppers BayesKit exposes.
public enum ODEMethod: String, CaseIterable, Sendable, Codable {
    /// Explicit embedded Runge–Kutta Prince–Dormand 8(9), 13 stages: the accurate default.
    case rk8pd
    /// Explicit Runge–Kutta–Fehlberg 4(5).
    case rkf45
    /// Explicit Runge–Kutta Cash–Karp 4(5).
    case rkck
    /// Implicit Gaussian 4th-order Runge–Kutta (uses the Jacobian).
    case rk4imp
    /// Variable-order (1–5) backward differentiation formulas, for stiff systems (uses the Jacobian).
    case msbdf

    /// The method called `name`; throws "unknown ODE method 'x'; known methods: ..." otherwise.
    public init(parsing name: String) throws {
        var m: Int32 = 0
        try check { bk_ode_method_parse(name, &m, $0) }
        self = ODEMethod.allCases[Int(m)]
    }

    var cValue: Int32 { Int32(ODEMethod.allCases.firstIndex(of: self)!) }
}

/// How to integrate: the method, the error tolerances and limits.
///
/// Each step keeps the local error estimate of every state below
/// `atol + rtol·|yᵢ|` (GSL's standard control); outputs are at the requested
/// times exactly (the integrator steps to each, no interpolation). Defaults:
/// rk8pd, `rtol` 1e-8, `atol` 1e-10, automatic first step (1e-3 of the time
/// span), at most 100,000 steps per solve.
public struct ODESolver: Sendable, Codable, Equatable {
    public var method: ODEMethod
    public var rtol: Double
    public var atol: Double
    /// First step size; 0 chooses 1e-3 of the time span.
    public var initialStep: Double
    /// Steps allowed per solve; reaching it fails with a message naming the time reached.
    public var maxSteps: Int

    public init(method: ODEMethod = .rk8pd, rtol: Double = 1e-8, atol: Double = 1e-10, initialStep: Double = 0,
                maxSteps: Int = 100_000) {
        self.method = method
        self.rtol = rtol
        self.atol = atol
        self.initialStep = initialStep
        self.maxSteps = maxSteps
    }

    /// The validated C options.
    func options() throws -> bk_ode_options {
        guard maxSteps >= 1 else { throw BayesKitError.invalidArgument("max_steps must be >= 1, got \(maxSteps)") }
        var o = bk_ode_options()
        bk_ode_options_default(&o)
        o.method = method.cValue
        o.rtol = rtol
        o.atol = atol
        o.h0 = initialStep
        o.max_steps = UInt64(maxSteps)
        try check { bk_ode_options_check(&o, $0) }
        return o
    }

    /// Solves `system` from `y(t0) = initial` with `parameters` and returns the
    /// states at `times` (strictly increasing, `times[0] >= t0`). With
    /// `sensitivities`, also `∂y/∂p` from the variational equations
    /// `S' = (∂f/∂y) S + ∂f/∂p`, `S(t0) = 0`, integrated with `y` under the same
    /// error control. With `initialSensitivities`, also `Z = ∂y/∂y₀` from
    /// `Z' = (∂f/∂y) Z`, `Z(t0) = I` (Hairer, Nørsett & Wanner, *Solving
    /// ODEs I*, §I.14).
    public func solve(_ system: ODESystem, parameters: [Double], initial: [Double], t0: Double = 0, times: [Double],
                      sensitivities: Bool = false, initialSensitivities: Bool = false) throws -> ODESolution {
        try system.checkShapes(parameters: parameters.count, initial: initial.count)
        var opt = try options()
        let n = system.dimension, np = parameters.count, nt = times.count
        let flags = (sensitivities ? 1 : 0) | (initialSensitivities ? 2 : 0)
        let pcols = sensitivities ? np : 0, ns = pcols + (initialSensitivities ? n : 0)
        var y = [Double](repeating: 0, count: nt * n)
        var sens = [Double](repeating: 0, count: nt * n * ns)
        var steps: UInt64 = 0, evals: UInt64 = 0
        try system.withCSystem { sys in
            var solver: OpaquePointer?
            try check { bk_ode_solver_alloc(sys, &opt, Int32(flags), &solver, $0) }
            defer { bk_ode_solver_free(solver) }
            let status = y.withUnsafeMutableBufferPointer { yb in
                sens.withUnsafeMutableBufferPointer { sb in
                    bk_ode_solver_solve(solver, parameters, initial, t0, nt, times, yb.baseAddress,
                                        flags != 0 ? sb.baseAddress : nil)
                }
            }
            if status != 0 { throw BayesKitError(status: status, record: bk_ode_solver_error(solver).pointee) }
            bk_ode_solver_stats(solver, &steps, &evals)
        }
        func column(_ c: Int) throws -> Matrix {
            try Matrix(rows: nt, columns: n, values: (0..<(nt * n)).map { sens[$0 * ns + c] })
        }
        let sensMatrices = sensitivities ? try (0..<np).map { try column($0) } : nil
        let initMatrices = initialSensitivities ? try (0..<n).map { try column(pcols + $0) } : nil
        return ODESolution(times: times, states: try Matrix(rows: nt, columns: n, values: y), stateNames: system.stateNames,
                           sensitivities: sensMatrices, initialSensitivities: initMatrices, steps: Int(steps),
                           rhsEvaluations: Int(evals))
    }

    /// Solves `system` once per row of `parameters` (each with the system's
    /// parameter count), all from `initial` at `t0`, in parallel over the sets
    /// (`threads` nil: the process default; a closure system uses one
    /// thread). One solver per thread, reused across its solves; results are
    /// identical for any thread count.
    public func solveBatch(_ system: ODESystem, parameters: [[Double]], initial: [Double], t0: Double = 0,
                           times: [Double], threads: Int? = nil) throws -> ODEBatchSolution {
        for row in parameters { try system.checkShapes(parameters: row.count, initial: initial.count) }
        return try solveBatch(system, flatParameters: parameters.flatMap { $0 }, sets: parameters.count,
                              initial: initial, t0: t0, times: times, threads: threads)
    }

    /// ``solveBatch(_:parameters:initial:t0:times:threads:)`` with the sets
    /// as one row-major array (`sets × nparams`), without nested arrays.
    public func solveBatch(_ system: ODESystem, flatParameters: [Double], sets: Int, initial: [Double], t0: Double = 0,
                           times: [Double], threads: Int? = nil) throws -> ODEBatchSolution {
        try system.checkShapes(parameters: system.parameterNames.count, initial: initial.count)
        return try batch(system, flatParameters: flatParameters, sets: sets, initials: initial, stride: 0, t0: t0,
                         times: times, threads: threads)
    }

    /// ``solveBatch(_:flatParameters:sets:initial:t0:times:threads:)`` with
    /// one initial state per set (`initials`: `sets × dimension`, row-major),
    /// e.g. posterior draws of initial states.
    public func solveBatch(_ system: ODESystem, flatParameters: [Double], sets: Int, initials: [Double], t0: Double = 0,
                           times: [Double], threads: Int? = nil) throws -> ODEBatchSolution {
        guard initials.count == sets * system.dimension else {
            throw BayesKitError.dimensionMismatch("\(initials.count) initial values for \(sets) sets of \(system.dimension) states")
        }
        return try batch(system, flatParameters: flatParameters, sets: sets, initials: initials, stride: system.dimension,
                         t0: t0, times: times, threads: threads)
    }

    private func batch(_ system: ODESystem, flatParameters: [Double], sets: Int, initials: [Double], stride: Int, t0: Double,
                       times: [Double], threads: Int?) throws -> ODEBatchSolution {
        let np = system.parameterNames.count, n = system.dimension
        guard sets >= 0, flatParameters.count == sets * np else {
            throw BayesKitError.dimensionMismatch("\(flatParameters.count) parameter values for \(sets) sets of \(np)")
        }
        let initial = initials
        var opt = try options()
        let nthreads = try threadArgument(threads)
        var out = [Double](repeating: 0, count: sets * times.count * n)
        try system.withCSystem { sys in
            try out.withUnsafeMutableBufferPointer { ob in
                try check {
                    bk_ode_solve_batch(sys, &opt, sets, flatParameters, initial, stride, t0, times.count, times, ob.baseAddress,
                                       nil, nthreads, $0)
                }
            }
        }
        return ODEBatchSolution(sets: sets, times: times, stateNames: system.stateNames, values: out)
    }
}

/// One solve: the states at the output times and, when asked, `∂y/∂p`.
public struct ODESolution: Sendable {
    public let times: [Double]
    /// `times.count × dimension`: row k is `y(times[k])`.
    public let states: Matrix
    public let stateNames: [String]
    /// One `times.count × dimension` matrix per parameter: `∂y_i(t_k)/∂p_j` at `[k, i]` of matrix `j`.
    public let sensitivities: [Matrix]?
    /// One `times.count × dimension` matrix per initial state: `∂y_i(t_k)/∂y₀_m` at `[k, i]` of matrix `m`.
    public let initialSensitivities: [Matrix]?
    /// Steps taken (accepted and rejected trial steps each count once per call of GSL's evolve).
    public let steps: Int
    /// Right-hand-side evaluations (including those of finite-difference Jacobians).
    public let rhsEvaluations: Int

    /// The trajectory of state `index`.
    public func state(_ index: Int) -> [Double] { states.column(index) }
}

/// Many solves on the same output times.
public struct ODEBatchSolution: Sendable {
    public let sets: Int
    public let times: [Double]
    public let stateNames: [String]
    /// `sets × times.count × dimension`, row-major.
    public let values: [Double]

    public var dimension: Int { stateNames.count }

    /// State `state` of set `set` at every output time.
    public func trajectory(_ set: Int, state: Int = 0) -> [Double] {
        let n = dimension, nt = times.count
        return (0..<nt).map { values[(set * nt + $0) * n + state] }
    }
}
