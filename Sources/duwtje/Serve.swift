import ArgumentParser

/// `duwtje serve`: the daemon (being written).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon on a Unix socket.")

    func run() async throws {
        printError("error: serve is not built yet")
        throw ExitCode(1)
    }
}
