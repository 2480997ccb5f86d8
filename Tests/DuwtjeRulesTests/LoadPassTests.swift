@testable import DuwtjeRules
import Foundation
import Testing

/// A large rule set is read in phases that parse the files again instead of keeping every YAML
/// tree; the result must be exactly what keeping the trees gives.
@Suite("Loading in phases")
struct LoadPassTests {
    func run(_ files: [RuleFile], keepTreesUpTo: Int) -> (RuleSetDefinition?, [String]) {
        var pass = LoadPass(limits: .default, timeZone: amsterdam)
        pass.keepTreesUpTo = keepTreesUpTo
        var files = files
        let definition = pass.run(&files)
        // Both ways, no file's bytes are held once the load no longer needs them (the set's
        // definition grows while they are read: at 100,000 rules they are 52 MB).
        let held = files.filter { !$0.bytes.isEmpty }.map(\.path)
        #expect(held.isEmpty, "bytes still held after the load: \(held)")
        return (definition, pass.decoder.diagnostics.map(\.description))
    }

    @Test("parsing again per phase gives the same rules, content, order and diagnostics as keeping the trees")
    func streamedEqualsKept() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Rules").path
        let broken = RuleFile(path: "zz-broken.yaml", bytes: Array("""
        rules:
          - { id: Bad_ID, when: { persona: oudr }, recommend: [ { content: nope } ] }
        content:
          - { id: extra, type: informatief, title: X }
        """.utf8))
        for files in [try RuleDirectory.read(shipped).filter { !$0.isTest }, try RuleDirectory.read(shipped).filter { !$0.isTest } + [broken]] {
            let (kept, keptDiagnostics) = run(files, keepTreesUpTo: .max)
            let (streamed, streamedDiagnostics) = run(files, keepTreesUpTo: 0)
            #expect(streamedDiagnostics == keptDiagnostics)
            #expect(streamed?.rules.map(\.id) == kept?.rules.map(\.id))
            #expect(streamed?.rules.map(\.order) == kept?.rules.map(\.order))
            #expect(streamed?.rules.map(\.location) == kept?.rules.map(\.location))
            #expect(streamed?.content.map(\.id) == kept?.content.map(\.id))
            #expect(streamed?.journeys.map { $0.stages.map(\.fallback.count) } == kept?.journeys.map { $0.stages.map(\.fallback.count) })
            #expect((kept?.rules.count ?? 0) > 10)
        }
    }

    @Test("a cancelled load reads no file and yields no definition, only the error that it was cancelled; the reader stops at its first event")
    func cancelled() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Rules").path
        var files = try RuleDirectory.read(shipped).filter { !$0.isTest }
        let cancellation = LoadCancellation()
        var loader = RuleSetLoader(timeZone: amsterdam)
        loader.cancellation = cancellation
        #expect(loader.load(files: files).definition != nil, "not yet cancelled, the shipped rules load")
        cancellation.cancel()
        var pass = LoadPass(limits: .default, timeZone: amsterdam)
        pass.cancellation = cancellation
        #expect(pass.run(&files) == nil)
        #expect(pass.decoder.diagnostics.map(\.message) == [YAMLReader.cancelledMessage])
        #expect(pass.journeys.isEmpty && pass.ruleCount == 0, "a file was read after the cancellation")
        let output = loader.load(files: files)
        #expect(output.definition == nil)
        #expect(output.diagnostics.errors.map(\.message) == [YAMLReader.cancelledMessage])
        let read = YAMLReader.read(Array("a: [1, 2]\n".utf8), file: "t.yaml", cancellation: cancellation)
        #expect(read.document == nil)
        #expect(read.diagnostics.map(\.description) == ["t.yaml:1:1: error: \(YAMLReader.cancelledMessage)"])
    }
}
