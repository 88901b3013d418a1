import ArgumentParser

@main
struct VigilCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Real-time risk control for payment streams: rules over exact sliding windows, on Kafka.",
        subcommands: [DemoCommand.self, RunCommand.self, RulesCommand.self, TailCommand.self, DeadLettersCommand.self, GenCommand.self, BacktestCommand.self]
    )
}
