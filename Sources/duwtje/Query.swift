import ArgumentParser

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate one request offline and explain the answer.")
    func run() throws { throw ExitCode(1) }
}
