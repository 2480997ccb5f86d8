import Foundation

/// The release-build harness: `swift run -c release DuwtjeBenchmarks [load|eval|generate DIR N]`.
///
/// A plain executable rather than ordo-one/benchmark, to keep the dependency set to the engine
/// alone (jemalloc and its friends are not worth it for three figures). Arguments are parsed by
/// hand for the same reason.
@main
enum DuwtjeBenchmarks {
    static let usage = """
    usage: DuwtjeBenchmarks [load [RULES] | eval [RULES...] | generate DIR RULES]
      (no argument)   load, then eval
      load [RULES]    load + validate and compile times of a generated set (default 10000 rules)
      eval [RULES...] per-evaluation times for generated sets (default 100 1000 10000 100000 rules)
      generate DIR N  write a generated N-rule set to DIR, e.g. to check it with `duwtje check DIR`
      profile [RULES [PASSES]]  only evaluate (after loading), for perf or callgrind (default 10000 rules, 200 passes)
      wire [RULES_DIR]  request decoding and answer encoding of the socket mix's requests (default Rules)
      socket [OPTIONS]  HTTP/1.1 load over a Unix socket (duwtje serve, or the nginx baseline); `socket --help`
    """

    static func main() async {
        #if DEBUG
        print("warning: a debug build; the figures mean nothing. Use `swift run -c release DuwtjeBenchmarks`.")
        #endif
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch arguments.first {
            case nil:
                try LoadBenchmark().run()
                print()
                try await EvaluationBenchmark().run()
            case "load":
                var benchmark = LoadBenchmark()
                if arguments.count > 1 { benchmark.ruleCount = try count(arguments[1]) }
                try benchmark.run()
            case "eval":
                var benchmark = EvaluationBenchmark()
                if arguments.count > 1 { benchmark.sizes = try arguments.dropFirst().map(count) }
                try await benchmark.run()
            case "generate":
                guard arguments.count == 3 else { throw BenchmarkError(usage) }
                let generator = RuleSetGenerator(ruleCount: try count(arguments[2]))
                let summary = try generator.write(to: arguments[1])
                print("wrote \(summary.rules) rules, \(summary.content) content items in \(summary.files) files "
                    + "(\(generator.shape.journeys.count) journeys, \(generator.shape.processes.count) processes) to \(arguments[1])")
            case "profile":
                var run = ProfileRun()
                if arguments.count > 1 { run.ruleCount = try count(arguments[1]) }
                if arguments.count > 2 { run.passes = try count(arguments[2]) }
                try await run.run()
            case "wire":
                var benchmark = WireBenchmark()
                if arguments.count > 1 { benchmark.rules = arguments[1] }
                try await benchmark.run()
            case "socket":
                if arguments.dropFirst().contains(where: { $0 == "-h" || $0 == "--help" }) {
                    print(SocketLoad.usage)
                } else {
                    try SocketLoad(arguments: Array(arguments.dropFirst())).run()
                }
            case "-h", "--help", "help":
                print(usage)
            default:
                throw BenchmarkError(usage)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    static func count(_ text: String) throws -> Int {
        guard let value = Int(text.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")),
              value > 0 else { throw BenchmarkError("not a rule count: \(text)\n\(usage)") }
        return value
    }
}
