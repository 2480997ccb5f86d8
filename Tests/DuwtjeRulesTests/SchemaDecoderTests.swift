@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// The schema decoder's hand-written fast paths (issue 15, `load11`) against plain references:
/// packed field names against `String` comparison, the long-text table against a dictionary, the
/// id check against a character-by-character reading of its rule.
@Suite("Schema decoder")
struct SchemaDecoderTests {
    /// Names of every length from 1 to 30 bytes (packed in one word, two, and longer than both),
    /// and keys that differ from them in one byte, in length, or only after the 16th byte.
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz_0123456789-.".utf8)

    static func randomName(_ generator: inout SeededGenerator, length: Int) -> String {
        String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? UInt8(ascii: "a") }, as: UTF8.self)
    }

    @Test("a key is found among the allowed names exactly when a String comparison finds it")
    func packedNamesMatchStrings() {
        var generator = SeededGenerator.forTest("SchemaDecoderTests.packedNamesMatchStrings")
        for _ in 0..<300 {
            let count = Int.random(in: 1...SchemaDecoder.Fields.capacity, using: &generator)
            var names: [String] = []
            while names.count < count {
                let name = Self.randomName(&generator, length: Int.random(in: 1...30, using: &generator))
                if !names.contains(name) { names.append(name) }
            }
            let packed = SchemaDecoder.FieldNames(names)
            var keys = names
            for name in names {
                var bytes = Array(name.utf8)
                let place = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[place] = Self.alphabet.randomElement(using: &generator) ?? UInt8(ascii: "a")
                keys.append(String(decoding: bytes, as: UTF8.self))
                keys.append(name + "x")
                keys.append(String(name.dropLast()))
            }
            keys.append(contentsOf: (0..<20).map { _ in Self.randomName(&generator, length: Int.random(in: 0...32, using: &generator)) })
            keys.append(contentsOf: ["", "id", "description", "dismiss_for", "publication_category"])
            for key in keys {
                var key = key
                let found = key.withUTF8 { packed.position(ofKey: $0) }
                #expect(found == names.firstIndex(of: key), "key '\(key)' among \(names)")
                #expect(packed.position(of: key) == names.firstIndex(of: key))
            }
        }
    }

    @Test("the shipped schemas' names are read back by the mappings that hold them, in the order written")
    func fieldsReadAsWritten() throws {
        let yaml = """
        unknown: 1
        url: https://example.org
        publication_category: x
        human_intervention: y
        id: a.b
        description_short: z
        """
        let parsed = YAMLReader.read(Array(yaml.utf8), file: "f.yaml")
        let document = try #require(parsed.document)
        var decoder = SchemaDecoder()
        let names = ["id", "url", "publication_category", "human_intervention", "description_short", "name"]
        let read = decoder.fields(document, of: "a test mapping", allowed: names)
        let fields = try #require(read)
        #expect(fields.fields.map(\.name) == ["url", "publication_category", "human_intervention", "id", "description_short"])
        #expect(fields.count == 5)
        #expect(fields["id"]?.scalar?.text == "a.b")
        #expect(fields["human_intervention"]?.scalar?.text == "y")
        #expect(fields["name"] == nil)
        #expect(fields["unknown"] == nil)
        #expect(fields.key("publication_category") == SourceLocation(file: "f.yaml", line: 3, column: 1))
        #expect(decoder.diagnostics.map(\.message) == ["unknown field 'unknown' in a test mapping"])
        #expect(decoder.diagnostics.first?.location == SourceLocation(file: "f.yaml", line: 1, column: 1))
    }

    @Test("long texts made once per stored place, as a dictionary keeps them")
    func sharedTextsAsDictionary() {
        var generator = SeededGenerator.forTest("SchemaDecoderTests.sharedTextsAsDictionary")
        for _ in 0..<20 {
            var table = SchemaDecoder.SharedTexts()
            var reference: [Int: String] = [:]
            for _ in 0..<Int.random(in: 0...2_000, using: &generator) {
                let offset = Int.random(in: 0...50_000, using: &generator) * Int.random(in: 1...16, using: &generator)
                #expect(table.text(at: offset) == reference[offset])
                if reference[offset] == nil {
                    let text = "text at \(offset) " + Self.randomName(&generator, length: 8)
                    table.insert(text, at: offset)
                    reference[offset] = text
                }
            }
            for (offset, text) in reference { #expect(table.text(at: offset) == text) }
            table.removeAll()
            for offset in reference.keys { #expect(table.text(at: offset) == nil) }
            table.insert("again", at: 7)
            #expect(table.text(at: 7) == "again")
        }
    }

    /// `^[a-z0-9][a-z0-9._-]{0,63}$`, read one character at a time.
    static func referenceIsValidID(_ value: String) -> Bool {
        let characters = Array(value.unicodeScalars)
        guard (1...64).contains(value.utf8.count) else { return false }
        for (index, character) in characters.enumerated() {
            if ("a"..."z").contains(character) || ("0"..."9").contains(character) { continue }
            if index > 0, [".", "_", "-"].contains(character) { continue }
            return false
        }
        return true
    }

    @Test("the id check gives the rule's answer")
    func idCheckAsReference() {
        var generator = SeededGenerator.forTest("SchemaDecoderTests.idCheckAsReference")
        let bytes = Array(0...255).map(UInt8.init)
        var values = ["", "a", "-a", "a-", ".a", "_", "a_b.c-d", "A", "é", String(repeating: "a", count: 64),
                      String(repeating: "a", count: 65)]
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...70, using: &generator)
            let useAll = Bool.random(using: &generator)
            let value = (0..<length).map { _ in
                useAll ? (bytes.randomElement(using: &generator) ?? 0) : (Self.alphabet.randomElement(using: &generator) ?? 0)
            }
            values.append(String(decoding: value, as: UTF8.self))
        }
        for value in values {
            #expect(SchemaDecoder.isValidID(value) == Self.referenceIsValidID(value), "'\(value)'")
        }
    }
}
