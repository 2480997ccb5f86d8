import DuwtjeTestSupport
import Foundation
import Testing

/// The offline commands (`test`, `query`, `diff`, `matrix`) as users run them: the real binary,
/// its output and its exit status.
@Suite("The duwtje tools on the command line")
struct ToolCommandsTests {
    /// A rule folder with the end-to-end fixture's rules and `files` besides, removed afterwards.
    final class RuleFolder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-tools-\(UUID().uuidString)").path

        init(_ files: [String: String] = [:]) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let all = ["vocabulary.yaml": Fixture.vocabulary, "rules.yaml": Fixture.rules(why: "A")].merging(files) { $1 }
            for (name, text) in all { try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Runs `duwtje ARGUMENTS` to completion.
    static func duwtje(_ arguments: [String]) async throws -> CommandResult { try await DaemonProcess.run(arguments) }

    // MARK: - duwtje test (issue 18, item 15)

    static let passingCase = """
      - name: goed
        request: { journey: bz, persona: ouder, context: { process: paspoort }, now: 2026-11-22T10:00:00+01:00 }
        expect: { recommendations: [c1, c2, f1], nudge: n1 }

    """

    @Test("duwtje test counts every case once: a case with a mistake in its expect fails and is not run (issue 18, item 15)")
    func testCountsCasesOnce() async throws {
        let folder = try RuleFolder(["a_test.yaml": "tests:\n" + Self.passingCase + """
          - name: tikfout
            request: { journey: bz }
            expect: { recomendations: [c1] }

        """])
        let run = try await Self.duwtje(["test", folder.path])
        #expect(run.output.replacingOccurrences(of: folder.path + "/", with: "").split(separator: "\n") == [
            "a_test.yaml:7:15: error: unknown field 'recomendations' in the expect of test 'tikfout' (did you mean 'recommendations'?)",
            "1 passed, 1 failed",
        ])
        #expect(run.status == 1)
    }

    @Test("duwtje test: a case with two errors is one failure, its errors listed in column order (issue 18, item 15)")
    func testErrorsInPlaceOrder() async throws {
        let folder = try RuleFolder(["a_test.yaml": """
        tests:
          - name: twee fouten
            request: { journey: bz }
            expect: { includes: [c9], nudge: n9 }

        """])
        let run = try await Self.duwtje(["test", folder.path])
        #expect(run.output.replacingOccurrences(of: folder.path + "/", with: "").split(separator: "\n") == [
            "a_test.yaml:4:26: error: unknown content 'c9' (did you mean 'c1' or 'c2'?)",
            "a_test.yaml:4:38: error: unknown nudge 'n9' (did you mean 'n1'?)",
            "0 passed, 1 failed",
        ])
        #expect(run.status == 1)
    }

    // MARK: - duwtje query --json (issue 18, item 14)

    @Test("duwtje query --json prints the daemon's bytes: compact, keys sorted, explanation only when asked (issue 18, item 14)")
    func queryJSONIsTheDaemonsBody() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let client = daemon.client
        let now = "2026-11-22T10:00:00+01:00"
        let arguments = ["query", daemon.rulesDirectory, "--journey", "bz", "--persona", "ouder", "--context", "process=paspoort",
                         "--visitor", "v1", "--now", now, "--json"]
        for explain in [false, true] {
            let body = #"{"journey":"bz","persona":"ouder","context":{"process":"paspoort"},"visitor":"v1","now":"\#(now)""#
                + (explain ? #","explain":true}"# : "}")
            let served = try await client.post("/v1/recommendations", body)
            #expect(served.status == 200)
            let first = try await Self.duwtje(arguments + (explain ? ["--explain"] : []))
            let second = try await Self.duwtje(arguments + (explain ? ["--explain"] : []))
            #expect(first.status == 0)
            #expect(first.output == served.body + "\n", "explain: \(explain)")
            #expect(second.output == first.output)
            #expect(first.output.contains("\"explanation\"") == explain)
        }
        let pretty = try await Self.duwtje(arguments + ["--pretty"])
        #expect(pretty.output.hasPrefix("{\n  \"journey\" : \"bz\",\n"))
        let plain = try await Self.duwtje(arguments)
        let same = try JSONSerialization.jsonObject(with: Data(pretty.output.utf8)) as? NSDictionary
        #expect(same == (try JSONSerialization.jsonObject(with: Data(plain.output.utf8)) as? NSDictionary))
        #expect(await daemon.stop() == 0)
    }

    // MARK: - duwtje diff (issue 18, item 13)

    // MARK: - duwtje matrix (issue 18, item 13)

    @Test("duwtje matrix --html writes the page whole and in place, the text to standard output; an unwritable path is one error line")
    func matrixWritesPageAndText() async throws {
        let folder = try RuleFolder()
        let page = folder.path + "/out/matrix.html"
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
        try "old page".write(toFile: page, atomically: true, encoding: .utf8)
        let run = try await Self.duwtje(["matrix", folder.path, "--now", "2026-11-22T10:00:00+01:00", "--html", page])
        #expect(run.status == 0)
        #expect(run.lines.first?.hasPrefix("GAP matrix of rule set sha256:") == true)
        #expect(run.lines.contains { $0.hasPrefix("Journey bz") })
        #expect(run.output.hasSuffix("\n\nHTML written to \(page)\n"))
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.contains("<table>"))
        // The temporary file it was written to is renamed over the page, none is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out") == ["matrix.html"])

        let missing = folder.path + "/no-such-folder/matrix.html"
        let failed = try await Self.duwtje(["matrix", folder.path, "--now", "2026-11-22T10:00:00+01:00", "--html", missing])
        #expect(failed.status == 1)
        #expect(failed.errors.split(separator: "\n").map(String.init) == ["error: cannot write \(missing): No such file or directory"])
        #expect(failed.output.isEmpty)
    }

    @Test("duwtje diff draws a progress line on a terminal's standard error, and writes nothing there otherwise (issue 18, item 13)")
    func diffProgressOnlyOnATerminal() async throws {
        let before = try RuleFolder()
        let after = try RuleFolder(["rules.yaml": Fixture.rules(why: "B").replacingOccurrences(of: "{ content: c1 }, { content: c2 }",
                                                                                              with: "{ content: c2 }, { content: c1 }")])
        let piped = try await Self.duwtje(["diff", before.path, after.path, "--now", "2026-11-22T10:00:00+01:00"])
        #expect(piped.status == 0)
        #expect(piped.errors.isEmpty)
        #expect(piped.output.contains("Changed answers: 2 of 12 (16.7%) — order 2."))
        // `script` runs the command on a pseudo-terminal, as an operator's shell does.
        let script = "/usr/bin/script"
        try #require(FileManager.default.isExecutableFile(atPath: script))
        let command = [DaemonProcess.binary, "diff", before.path, after.path, "--now", "2026-11-22T10:00:00+01:00", ">/dev/null"]
        let terminal = try await CommandResult.run(script, ["-qec", command.joined(separator: " "), "/dev/null"])
        #expect(terminal.status == 0)
        #expect(terminal.output.contains("\rComparing answers: 100% (12 of 12)"))
        #expect(terminal.output.hasSuffix("\r\u{1B}[2K"))
    }
}
