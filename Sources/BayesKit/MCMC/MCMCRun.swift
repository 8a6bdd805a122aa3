internal import CBayesKit
import Foundation

extension MCMC {
    /// File name of chain `k`'s draws inside a draws folder.
    public static func drawsFileName(chain k: Int) -> String { "chain-\(k).bkd" }

    /// The one path into the C driver.
    func run(binding: ModelBinding, starts: [[Double]], seed: UInt64, threads: Int?, drawsFolder: URL?,
             keepInMemory: Bool?, progress: ProgressCounter?) throws -> Chains {
        guard let kernel = kernel as? any CKernel else {
            throw BayesKitError.invalidArgument("kernel '\(kernel.name)' is not a BayesKit kernel")
        }
        let nthreads = try threadArgument(threads)
        if let progress, progress.tasks.count != chains {
            throw BayesKitError.dimensionMismatch("progress has \(progress.tasks.count) tasks for \(chains) chains")
        }
        let dim = binding.dimension, kept = keptDraws
        let inMemory = keepInMemory ?? (drawsFolder == nil)
        for (k, x) in starts.enumerated() { try requireFinite(x, "initial position of chain \(k)") }

        // Folder, file names and the "started" manifest before any work.
        var paths: [String]? = nil
        if let folder = drawsFolder {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw BayesKitError.io("cannot create draws folder \(folder.path): \(Self.reason(error))")
            }
            guard FileManager.default.isWritableFile(atPath: folder.path) else {
                throw BayesKitError.io("cannot write to draws folder \(folder.path): permission denied")
            }
            paths = (0..<chains).map { folder.appendingPathComponent(Self.drawsFileName(chain: $0)).path }
            try DrawsManifest(parameterNames: binding.names,
                              chains: (0..<chains).map { .init(chain: $0, file: Self.drawsFileName(chain: $0), draws: 0) },
                              complete: false).write(to: folder)
        }

        var config = bk_mcmc_config()
        config.nchains = chains
        config.warmup = UInt64(warmup)
        config.draws = UInt64(draws)
        config.thin = UInt64(thin)
        config.adapt = adaptScale ? 1 : 0
        config.target_accept = targetAcceptance
        config.seed = seed
        config.first_stream = 0
        config.nthreads = nthreads
        config.chunk_draws = 1024
        config.progress_block = kernel is any StochasticGradientKernel ? 256 : (kernel.usesGradient ? 16 : 1024)

        let initial = Array(starts.joined())
        var drawsOut = [Double](repeating: 0, count: inMemory ? chains * kept * dim : 0)
        var mean = [Double](repeating: 0, count: chains * dim)
        var variance = [Double](repeating: 0, count: chains * dim)
        var stats = [bk_mcmc_chain_stats](repeating: bk_mcmc_chain_stats(), count: chains)
        var completed: Int32 = 0
        var contexts = binding.contexts
        let cNames = binding.names.map { strdup($0) }
        let cPaths = (paths ?? []).map { strdup($0) }
        defer {
            cNames.forEach { free($0) }
            cPaths.forEach { free($0) }
        }
        let clock = ContinuousClock.now
        var failure: BayesKitError?
        withExtendedLifetime(binding.keepAlive) {
            contexts.withUnsafeMutableBufferPointer { ctxs in
                var model = bk_mcmc_model(dim: dim, logdensity: binding.fn, ctxs: ctxs.baseAddress, message: binding.message,
                                          serial: binding.serial ? 1 : 0)
                cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
                    cPaths.map { UnsafePointer($0) }.withUnsafeBufferPointer { ps in
                        config.names = names.baseAddress
                        config.draws_paths = paths == nil ? nil : ps.baseAddress
                        do {
                            try kernel.withCKernel(binding: binding, totalSteps: warmup + draws) { kt, params in
                                try drawsOut.withUnsafeMutableBufferPointer { d in
                                    try check { err in
                                        bk_mcmc_run(kt, params, &model, &config, initial, inMemory ? d.baseAddress : nil,
                                                    &mean, &variance, &stats, progress?.raw, &completed, err)
                                    }
                                }
                            }
                        } catch let e as BayesKitError { failure = e } catch {
                            failure = BayesKitError(.internal, "\(error)")
                        }
                    }
                }
            }
        }
        let wall = Self.seconds(ContinuousClock.now - clock)
        let ran = stats.contains { $0.warmup_done + $0.draws_done > 0 }
        if let folder = drawsFolder, ran || failure == nil {
            // Record what the files hold, complete or not, so a partial run stays usable.
            try? DrawsManifest(parameterNames: binding.names,
                               chains: (0..<chains).map { .init(chain: $0, file: Self.drawsFileName(chain: $0), draws: Int(stats[$0].kept)) },
                               complete: failure == nil && completed != 0).write(to: folder)
        }
        if let failure { throw failure }
        let chainStats = stats.enumerated().map { k, s in
            Chains.ChainStats(chain: k, acceptanceRate: s.acceptance_rate, meanAcceptanceProbability: s.mean_accept_prob,
                              warmupAcceptanceRate: s.warmup_acceptance_rate, scale: s.tuning.isFinite ? s.tuning : nil,
                              keptDraws: Int(s.kept), warmupIterations: Int(s.warmup_done), iterations: Int(s.draws_done),
                              logDensityEvaluations: Int(s.n_evals), nonFiniteProposals: Int(s.n_nonfinite),
                              warmupSeconds: s.warmup_s, samplingSeconds: s.sampling_s, divergences: Int(s.n_divergent),
                              warmupDivergences: Int(s.n_divergent_warmup), treeDepthHits: Int(s.n_max_depth),
                              samplingEvaluations: Int(s.n_evals_sampling), usesGradient: kernel.usesGradient)
        }
        return Chains(parameterNames: binding.names, storage: inMemory ? drawsOut : nil, keptPerChain: kept,
                      drawsFolder: drawsFolder, chainStats: chainStats,
                      onlineMean: (0..<chains).map { Array(mean[($0 * dim)..<(($0 + 1) * dim)]) },
                      onlineVariance: (0..<chains).map { Array(variance[($0 * dim)..<(($0 + 1) * dim)]) },
                      wallSeconds: wall, complete: completed != 0, seed: seed, kernelName: kernel.name)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let u = e.underlying as? POSIXError { return String(cString: strerror(u.code.rawValue)) }
        return (error as NSError).localizedDescription
    }
}

private extension CocoaError {
    var underlying: Error? { userInfo[NSUnderlyingErrorKey] as? Error }
}
