@testable import DuwtjeRules
import DuwtjeTestSupport
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

    @Test("content ids named by rules decoded side by side while the content is read: the one-by-one loader's errors, in its order")
    func contentReferencesDecodedSideBySide() {
        let vocabulary = """
        journeys:
          reis: { stages: [ { id: bewust }, { id: actie } ] }
        content_types:
          info: { label: Info }
        """
        func rule(_ id: String, content: String, variant: String? = nil) -> String {
            var text = "  - { id: \(id), recommend: [ { content: \(content) }, { content: c1 } ], why: w"
            if let variant { text += ", variants: { a: { weight: 1, recommend: [ { content: \(variant) } ] } }" }
            return text + " }\n"
        }
        // Content declared before, between and after the rule files (the catalogue is complete for
        // every rule either way); unknown ids in recommend lists and in a variant's; an unknown id
        // in a rule whose id is taken too (both errors, at two places); more files than cores.
        let texts: [(String, String)] = [
            ("a-content.yaml", "content:\n  - { id: c1, type: info, title: T, url: /1 }\n"),
            ("b-rules.yaml", "rules:\n" + rule("x", content: "c2") + rule("y", content: "nope") + rule("z", content: "c1", variant: "c3")),
            ("c-content.yaml", "content:\n  - { id: c2, type: info, title: T, url: /2 }\n"),
            ("d-rules.yaml", "rules:\n" + rule("x", content: "c1x") + rule("w", content: "c3", variant: "c4")),
            ("e-rules.yaml", "rules:\n" + rule("v", content: "c2") + rule("u", content: "c9", variant: "c8")),
            ("f-rules.yaml", "rules:\n" + rule("t", content: "c3") + rule("y", content: "c1")),
            ("g-content.yaml", "content:\n  - { id: c3, type: info, title: T, url: /3 }\n"),
            ("v.yaml", vocabulary),
        ]
        let files = texts.map { RuleFile(path: $0.0, bytes: Array($0.1.utf8)) }
        let (kept, keptDiagnostics) = run(files, keepTreesUpTo: .max)
        let (streamed, streamedDiagnostics) = run(files, keepTreesUpTo: 0)
        #expect(keptDiagnostics == streamedDiagnostics)
        #expect(keptDiagnostics.filter { $0.contains("unknown content") }.count == 5, "\(keptDiagnostics)")
        #expect(keptDiagnostics.filter { $0.contains("duplicate rule") }.count == 2, "\(keptDiagnostics)")
        #expect(kept == nil && streamed == nil || kept?.rules.map(\.id) == streamed?.rules.map(\.id))
        var pass = LoadPass(limits: .default, timeZone: amsterdam)
        var again = files
        _ = pass.run(&again)
        #expect(pass.rules.map(\.id) == ["x", "z", "v", "t"], "the rules with known content and ids of their own")
    }

    @Test("files are read byte for byte as Foundation reads them: empty, small, large, grown or shrunk since listed")
    func filesReadAsFoundationReadsThem() throws {
        let shipped = repositoryRoot + "/Rules"
        for file in try RuleDirectory.read(shipped) {
            #expect(file.bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: shipped + "/" + file.path))), "\(file.path)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator.forTest("LoadPassTests.filesReadAsFoundationReadsThem")
        for size in [0, 1, 4095, 4096, 70_001, 300_000] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = folder.appendingPathComponent("f\(size).yaml").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(RuleDirectory.contents(ofFile: path, size: size) == bytes)
            // Listed smaller than it is (grown since): refused, so that Foundation reads all of it.
            if size > 0 { #expect(RuleDirectory.contents(ofFile: path, size: size - 1) == nil) }
            // Listed larger (shrunk since): what is there.
            #expect(RuleDirectory.contents(ofFile: path, size: size + 10) == bytes)
        }
        #expect(RuleDirectory.contents(ofFile: folder.appendingPathComponent("missing.yaml").path, size: 3) == nil)
    }

    @Test("files are listed as Foundation's resource values list them: regular files only, links and others left out")
    func filesListedAsFoundationListsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-list-\(UUID().uuidString)")
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: folder) }
        try Data("a: 1\n".utf8).write(to: folder.appendingPathComponent("a.yaml"))
        try Data("b: 22\n".utf8).write(to: folder.appendingPathComponent("sub/b.yml"))
        try Data().write(to: folder.appendingPathComponent("empty.yaml"))
        try manager.createSymbolicLink(atPath: folder.appendingPathComponent("link.yaml").path, withDestinationPath: "a.yaml")
        try manager.createSymbolicLink(atPath: folder.appendingPathComponent("dangling.yaml").path, withDestinationPath: "nowhere.yaml")
        try manager.createSymbolicLink(atPath: folder.appendingPathComponent("folder.yaml").path, withDestinationPath: "sub")
        #expect(mkfifo(folder.appendingPathComponent("fifo.yaml").path, 0o600) == 0)
        var paths = [folder.path, folder.appendingPathComponent("missing.yaml").path]
        let enumerator = try #require(manager.enumerator(at: folder, includingPropertiesForKeys: nil))
        for case let url as URL in enumerator { paths.append(url.path) }
        #expect(paths.count >= 9)
        for path in paths {
            let url = URL(fileURLWithPath: path)
            let regular = (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
            let size = regular ? (try? url.resourceValues(forKeys: [.fileSizeKey]))?.fileSize : nil
            #expect(RuleDirectory.regularFileSize(atPath: path) == size, "\(path)")
        }
        #expect(try RuleDirectory.read(folder.path).map(\.path) == ["a.yaml", "empty.yaml", "sub/b.yml"])
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
