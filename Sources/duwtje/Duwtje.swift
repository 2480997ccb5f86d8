import ArgumentParser

/// The one executable: the daemon and the tools marketing staff and operations run beside it.
@main
struct Duwtje: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duwtje",
        abstract: "Rule-based content recommendations and nudges for municipal websites.",
        subcommands: [Serve.self, Check.self, RunTests.self, Query.self, Matrix.self, Diff.self, ReportCommand.self]
    )
}
