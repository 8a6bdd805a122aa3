import BayesKitCLI
BayesKitCommand.main()
