import ArgumentParser
import BayesKit

/// The `bayeskit` command: Bayesian deep learning from the terminal.
public struct BayesKitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bayeskit",
        abstract: "Bayesian deep learning: linear models, Bayesian neural networks, MCMC, VI, ODE inference.",
        discussion: "Every command writes result.json and its figures to --output (default ./bayeskit-out/<command>/).",
        version: bayesKitVersion,
        subcommands: [DemoCommand.self, DataCommand.self, BlrCommand.self, VICommand.self, MCMCCommand.self, SummaryCommand.self, ODECommand.self, CompareCommand.self, PredictCommand.self, VAECommand.self, CheckCommand.self])

    public init() {}
}
