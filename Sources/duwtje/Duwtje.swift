import ArgumentParser
import DuwtjeServer

/// The one executable: the daemon and the tools marketing staff and operations run beside it.
@main
struct Duwtje: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duwtje",
        abstract: "Rule-based content recommendations and nudges for municipal websites.",
        version: BuildInfo.summary,
        subcommands: [Serve.self, StatusCommand.self, Check.self, RunTests.self, Query.self, Matrix.self, Diff.self, ReportCommand.self,
                      Register.self, StoreCommand.self]
    )

    /// ArgumentParser's `main`, after putting Swift concurrency on the daemon's event loops for
    /// `serve` (``Daemon/runTasksOnEventLoops()``: it must happen before any task runs), and after
    /// making a SIGHUP harmless from the first instruction on (``Daemon/ignoreHangUpUntilTrapped()``).
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "serve" {
            Daemon.ignoreHangUpUntilTrapped()
            Daemon.runTasksOnEventLoops()
        }
        await main(nil)
    }
}
