import DuwtjeRules
import Foundation
import Testing

@Suite("YAML as Duwtje reads it")
struct YAMLReaderTests {
    @Test("no, yes, on and off stay text; only plain true and false are booleans")
    func norwayStaysNorwegian() throws {
        let result = read("a: no\nb: yes\nc: on\nd: 'true'\ne: true\n")
        let pairs = try #require(result.document?.mapping)
        #expect(pairs.map { $0.value.scalar?.text } == ["no", "yes", "on", "true", "true"])
        #expect(pairs[3].value.scalar?.isPlain == false)
        #expect(pairs[4].value.scalar?.isPlain == true)
    }

    @Test("a language code 'no' in a rule is the Norwegian value, and `exclusive: yes` is refused")
    func booleansBySchema() {
        let output = load("""
        journeys: { j: { stages: [ { id: s } ] } }
        context: { language: { values: [nl, no] } }
        content:
          - { id: c, type: t, title: T, url: /u, language: no }
        content_types: { t: { label: T } }
        rules:
          - id: r
            when: { context: { language: no } }
            recommend: [ { content: c } ]
            exclusive: yes
        """)
        #expect(finding(output, "'exclusive' must be true or false") == "10:16 'exclusive' must be true or false, not 'yes'")
        #expect(output.diagnostics.errors.count == 1)
    }

    @Test("aliases and merge keys resolve; explicit keys win over merged ones")
    func aliasesAndMerge() throws {
        let result = read("""
        base: &base { max: 3, per: 7d }
        copy: *base
        merged:
          <<: *base
          max: 5
        list:
          <<: [ { a: 1 }, { a: 2, b: 2 } ]
        """)
        let pairs = try #require(result.document?.mapping)
        let copy = try #require(pairs[1].value.mapping)
        #expect(copy.map(\.name) == ["max", "per"])
        let merged = try #require(pairs[2].value.mapping)
        #expect(merged.map { "\($0.name)=\($0.value.scalar!.text)" } == ["per=7d", "max=5"])
        let list = try #require(pairs[3].value.mapping)
        #expect(list.map { "\($0.name)=\($0.value.scalar!.text)" } == ["a=1", "b=2"])
    }

    @Test("merged pairs stand where their << was written, after the explicit keys before it")
    func mergeOrder() throws {
        let result = read("""
        m:
          x: 1
          <<: { a: 1, x: 9 }
          y: 2
          <<: { b: 2, a: 8, y: 7 }
          z: 3
        """)
        let merged = try #require(result.document?.mapping?.first?.value.mapping)
        #expect(merged.map { "\($0.name)=\($0.value.scalar!.text)" } == ["x=1", "a=1", "y=2", "b=2", "z=3"])
        #expect(result.diagnostics.isEmpty)
    }

    @Test("a repeated key is an error naming both places")
    func duplicateKeys() {
        let result = read("a: 1\nb: 2\na: 3\n")
        #expect(result.document?.mapping?.map { $0.value.scalar?.text } == ["1", "2"])
        #expect(result.diagnostics.map(\.description) == ["t.yaml:3:1: error: duplicate key 'a' (first at line 1, column 1) (keep one of them)"])
    }

    @Test("a billion-laughs alias bomb is refused at the node limit, naming the place")
    func aliasBomb() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = level == 1 ? "a" : "l\(level - 1)"
            text += "l\(level): &l\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(text.utf8.count < 1_024)
        let result = read(text)
        #expect(result.document == nil)
        let diagnostic = result.diagnostics.first
        #expect(diagnostic?.message == "document expands past 100000 nodes (aliases counted as expanded)")
        #expect(diagnostic?.location.line == 5)  // l4: 10^5 nodes
    }

    @Test("a self-referencing alias is refused, not followed")
    func selfReference() {
        let result = read("a: &a [*a]\n")
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:1:8: error: alias *a refers to a node that contains it (a cycle) (an alias may only repeat a node that is complete)",
        ])
    }

    @Test("nesting deeper than 64 is refused; a million open brackets do not overflow the stack")
    func depth() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(read(deep).diagnostics.first?.description == "t.yaml:1:65: error: document nests deeper than 64 levels (flatten the structure)")
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(read(ok).diagnostics.isEmpty)
        let huge = String(repeating: "[", count: 1_000_000)
        #expect(read(huge).diagnostics.first?.message == "document nests deeper than 64 levels")
    }

    @Test("an alias that would nest past the limit where it is used is refused")
    func depthThroughAlias() {
        let inner = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let text = "a: &a \(inner)\nb: " + String(repeating: "[", count: 30) + "*a" + String(repeating: "]", count: 30)
        #expect(read(text).diagnostics.first?.message == "document nests deeper than 64 levels")
    }

    @Test("a file over the size limit is refused before parsing")
    func size() {
        let big = [UInt8](repeating: UInt8(ascii: "#"), count: 8 * 1_048_576 + 1)
        let result = YAMLReader.read(big, file: "big.yaml")
        #expect(result.diagnostics.map(\.description) == [
            "big.yaml:1:1: error: file is 8388609 bytes, over the limit of 8388608 bytes (split it into several files)",
        ])
    }

    @Test("a file that is not UTF-8 is refused with the byte offset and its line and column")
    func encoding() {
        var bytes = Array("a: b\nc: d".utf8)
        bytes.insert(0xff, at: 8)
        let result = YAMLReader.read(bytes, file: "latin.yaml")
        #expect(result.diagnostics.map(\.description) == [
            "latin.yaml:2:4: error: file is not valid UTF-8 (byte offset 8) (save the file as UTF-8)",
        ])
        let utf16 = YAMLReader.read([0xff, 0xfe, 0x61, 0x00], file: "u.yaml")
        #expect(utf16.diagnostics.first?.message == "file is not valid UTF-8 (byte offset 0)")
    }

    @Test("malformed YAML names libyaml's problem and place")
    func malformed() {
        let result = read("a: [1, 2\nb: c\n")
        #expect(result.document == nil)
        #expect(result.diagnostics.first?.message.hasPrefix("malformed YAML: ") == true)
        #expect(result.diagnostics.first?.location.line == 2)
    }

    @Test("an alias to an unknown anchor, a second document and a foreign tag are refused")
    func otherHazards() {
        #expect(read("a: *nope\n").diagnostics.first?.message.contains("names no anchor") == true)
        #expect(read("a: 1\n---\nb: 2\n").diagnostics.first?.message == "a rule file holds one YAML document, found a second one")
        #expect(read("a: !!python/object x\n").diagnostics.first?.message.hasPrefix("unsupported YAML tag") == true)
    }

    @Test("an empty file and a comment-only file hold no document and no error")
    func empty() {
        #expect(read("").document == nil)
        #expect(read("").diagnostics.isEmpty)
        #expect(read("# nothing here\n").diagnostics.isEmpty)
        #expect(load("# nothing\n").diagnostics.isEmpty)
    }

    @Test("a long text written twice in a file is stored once; equal short texts and texts that differ stay apart")
    func longTextsStoredOnce() throws {
        let why = "U ziet dit omdat u gaat verhuizen"
        let other = "U ziet dit omdat u gaat trouwen!!"
        let result = read("a: \(why)\nb: '\(why)'\nc: \(other)\nd: [\"\(why)\"]\ne: ab\nf: ab\n")
        let pairs = try #require(result.document?.mapping)
        var texts = pairs.prefix(3).compactMap { $0.value.scalar?.text }
        texts += try #require(pairs[3].value.sequence).compactMap { $0.scalar?.text }
        #expect(texts == [why, why, other, why])
        // The arena's text buffer: six one-byte keys, `ab` twice, `why` once and `other` once.
        let document = try #require(result.document?.document)
        #expect(document.textByteCount == 6 + 2 * 2 + why.utf8.count + other.utf8.count)
        // Not shared when the reader is told the tree is read and dropped.
        let unshared = YAMLReader.read(Array("a: \(why)\nb: \(why)\n".utf8), file: "f.yaml", shareTexts: false)
        #expect(try #require(unshared.document?.mapping).compactMap { $0.value.scalar?.text } == [why, why])
        #expect(unshared.document?.document.textByteCount == 2 + 2 * why.utf8.count)
    }

    @Test("a rule set holds one copy of a long text its file repeats")
    func longTextsLoadedOnce() throws {
        let why = "U ziet dit omdat u gaat verhuizen"
        let output = load(["a.yaml": vocabulary, "b.yaml": """
        rules:
          - { id: r1, recommend: [ { content: c1 } ], why: \(why) }
          - { id: r2, recommend: [ { content: c2 } ], why: "\(why)" }
        """])
        #expect(output.diagnostics.errors.isEmpty)
        var whys = try #require(output.definition?.rules).compactMap(\.why)
        #expect(whys == [why, why])
        let addresses = whys.indices.map { index in whys[index].withUTF8 { $0.baseAddress.map { Int(bitPattern: $0) } ?? 0 } }
        #expect(addresses[0] == addresses[1])
    }

    @Test("nodes keep their places through aliases and merges; an alias is the anchored node")
    func placesInTheArena() throws {
        let result = read("""
        base: &base
          max: 3
        copy: *base
        merged:
          <<: *base
          per: 7d
        """)
        let pairs = try #require(result.document?.mapping)
        #expect(pairs.map { "\($0.key.location.line):\($0.key.location.column)" } == ["1:1", "3:1", "4:1"])
        #expect(pairs[1].value.location == pairs[0].value.location)
        let merged = try #require(pairs[2].value.mapping)
        #expect(merged.map { "\($0.name)@\($0.key.location.line):\($0.key.location.column)" } == ["max@2:3", "per@6:3"])
        #expect(pairs[2].value.kindDescription == "a mapping")
        #expect(result.document?.document.file == "t.yaml")
    }
}
