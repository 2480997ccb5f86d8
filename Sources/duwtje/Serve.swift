import ArgumentParser
import DuwtjeServer

/// `duwtje serve`: the daemon, in the foreground, logging to standard error.
///
/// A start-up failure (rules with errors, a live daemon on the socket, an unwritable socket
/// directory, a bad configuration) prints one line to standard error and exits 1; nothing else
/// escapes, so an operator never reads a backtrace to learn that a rule has a typo.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon on a Unix socket.",
        discussion: """
            Serves the rule set over HTTP/1.1 on a Unix socket (see docs/api.md). SIGHUP reloads the \
            configuration and rules; SIGTERM or SIGINT stops after the requests in flight. Without --config, \
            Config/duwtje.yaml is read when it exists, else the built-in defaults apply.
            """
    )

    @Option(help: "The configuration file (default: Config/duwtje.yaml when it exists).")
    var config: String?

    @Option(help: "The rule directory (overrides the configuration's `rules`).")
    var rules: String?

    @Option(help: "The socket path (overrides the configuration's `socket.path`).")
    var socket: String?

    @Option(help: ArgumentHelp("The socket's HTTP/1.1 server: lean or hummingbird (for benchmarks).", visibility: .hidden))
    var transport: String = DaemonOptions.Transport.lean.rawValue

    func run() async throws {
        var options = DaemonOptions(configFile: config, rules: rules, socket: socket)
        guard let chosen = DaemonOptions.Transport(rawValue: transport) else {
            printError("duwtje: --transport must be one of: " + DaemonOptions.Transport.allCases.map(\.rawValue).joined(separator: ", "))
            throw ExitCode(1)
        }
        options.transport = chosen
        do {
            try await Daemon(options: options).run()
        } catch {
            // In the configured log format when the configuration itself could be read.
            let format = (try? options.loadConfiguration())?.logFormat ?? .text
            printError(DaemonLogHandler.refusal(error.description, format: format))
            throw ExitCode(1)
        }
    }
}
