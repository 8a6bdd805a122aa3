import ArgumentParser
import BayesKit

public struct BayesKitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "bayeskit", version: bayesKitVersion)
    public init() {}
}
