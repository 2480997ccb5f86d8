import ArgumentParser

struct RunTests: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Run the *_test.yaml cases of a rule set.")
    func run() throws { throw ExitCode(1) }
}
