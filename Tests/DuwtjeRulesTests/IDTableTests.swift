@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// The request path resolves ids through ``IDTable`` instead of `Dictionary`: it must find exactly
/// what the dictionary finds, Unicode equivalence included, or answers would change.
@Suite("Id tables")
struct IDTableTests {
    @Test("finds what a dictionary finds: ASCII, long, empty, and canonically equivalent keys")
    func sameAsDictionary() {
        let keys = ["", "a", "paspoort", "paspoort-aanvragen-online-2026", "Súdwest-Fryslân", "caf\u{E9}", "\u{212A}elvin"]
        let table = IDTable(keys)
        let probes = keys + [
            "b", "paspoort ", "paspoor", "PASPOORT",
            "cafe\u{301}",  // é decomposed: equal to the precomposed key
            "Kelvin",  // ASCII, equal to the key spelled with the Kelvin sign (U+212A)
            "Su\u{301}dwest-Frysla\u{302}n",
        ]
        let dictionary = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        for probe in probes {
            #expect(table[probe] == dictionary[probe], "\(Array(probe.unicodeScalars))")
        }
        #expect(table["cafe\u{301}"] == 5 && table["Kelvin"] == 6, "equivalent spellings are found")
    }

    @Test("random ASCII vocabularies: every key found at its index, every other string missed")
    func randomVocabularies() {
        var generator = SeededGenerator.forTest("IDTableTests.randomVocabularies")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_")
        func word() -> String { String((0..<(1 + generator.below(40))).map { _ in alphabet[generator.below(alphabet.count)] }) }
        for round in 0..<50 {
            let keys = (0..<(1 + generator.below(300))).map { _ in word() }
            let table = IDTable(keys)
            var first: [String: Int] = [:]
            for (index, key) in keys.enumerated() where first[key] == nil { first[key] = index }
            for key in keys { #expect(table[key] == first[key], "round \(round): \(key)") }
            for _ in 0..<200 {
                let probe = word()
                #expect(table[probe] == first[probe], "round \(round): \(probe)")
            }
        }
    }

    @Test("a digest's words tell keys apart exactly as their bytes do (the plain reference), at every length to past the limit")
    func digestsAgainstBytes() {
        var generator = SeededGenerator.forTest("IDTableTests.digestsAgainstBytes")
        func digest(_ bytes: [UInt8]) -> IDTable.Digest { bytes.withUnsafeBytes { IDTable.Digest($0) } }
        for count in 0...(IDTable.Digest.wordLimit + 9) {
            for _ in 0..<60 {
                let bytes = (0..<count).map { _ in UInt8(generator.below(128)) }
                let own = digest(bytes)
                #expect(own.count == count && own.ascii)
                #expect(own.hash == bytes.withUnsafeBytes { WordHash.mix($0, into: 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)).hash },
                        "the hash is WordHash's: count \(count)")
                #expect(own == digest(bytes), "count \(count)")
                guard count > 0 else { continue }
                // The same length, one byte changed anywhere: a different key must not match.
                var other = bytes
                let place = generator.below(count)
                other[place] = UInt8((Int(other[place]) + 1 + generator.below(127)) % 128)
                let otherDigest = digest(other)
                if count <= IDTable.Digest.wordLimit {
                    #expect(!own.matches(otherDigest, key: true), "count \(count), byte \(place)")
                    #expect(own.matches(digest(bytes), key: false), "count \(count)")
                } else {
                    // Past the limit the key decides (words are not kept).
                    #expect(own.matches(digest(bytes), key: true) && !own.matches(digest(bytes), key: false))
                }
                var high = bytes
                high[place] |= 0x80
                #expect(!digest(high).ascii, "count \(count), byte \(place)")
            }
        }
    }

    @Test("near misses: keys of every length to 40 probed with strings one byte away, against a dictionary, by both lookups")
    func nearMisses() {
        var generator = SeededGenerator.forTest("IDTableTests.nearMisses")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_/")
        func word(_ count: Int) -> [Character] { (0..<count).map { _ in alphabet[generator.below(alphabet.count)] } }
        let keys = (0...40).flatMap { count in (0..<5).map { _ in String(word(count)) } }
        let table = IDTable(keys)
        var first: [String: Int] = [:]
        for (index, key) in keys.enumerated() where first[key] == nil { first[key] = index }
        /// `plainIndex` as the dictionary answers it: -1 for a miss, undecided past the digest's words.
        func expectPlain(_ probe: String) {
            let expected = probe.utf8.count > IDTable.Digest.wordLimit ? IDTable.undecided : first[probe] ?? -1
            #expect(table.plainIndex(of: probe) == expected, "plainIndex(of: \(probe))")
        }
        for key in keys {
            #expect(table[key] == first[key], "\(key)")
            expectPlain(key)
            guard !key.isEmpty else { continue }
            for _ in 0..<4 {
                var characters = Array(key)
                characters[generator.below(characters.count)] = alphabet[generator.below(alphabet.count)]
                let probe = String(characters)
                #expect(table[probe] == first[probe], "\(probe)")
                expectPlain(probe)
            }
            expectPlain(key + "x")
            expectPlain(String(key.dropLast()))
            #expect(table[key + "x"] == first[key + "x"] && table[String(key.dropLast())] == first[String(key.dropLast())])
        }
    }

    @Test("records: each slot's record is one cache line; sparse and large indices (as value numbers are) come back exactly")
    func recordsByLine() {
        var generator = SeededGenerator.forTest("IDTableTests.recordsByLine")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_")
        func word() -> String { String((0..<(1 + generator.below(36))).map { _ in alphabet[generator.below(alphabet.count)] }) }
        for round in 0..<40 {
            // Indices as `ValueNumbers` hands them to a key's table: numbered across keys, so sparse.
            var dictionary: [String: Int] = [:]
            for _ in 0..<generator.below(600) { dictionary[word()] = generator.below(1 << 40) }
            let table = IDTable(dictionary)
            #expect(table.recordOffsetInLine == 0, "round \(round): slot 0 starts a line")
            for (key, index) in dictionary {
                #expect(table[key] == index, "round \(round): \(key)")
                #expect(table.plainIndex(of: key) == (key.utf8.count > IDTable.Digest.wordLimit ? IDTable.undecided : index),
                        "round \(round): plainIndex(of: \(key))")
            }
            for _ in 0..<100 {
                let probe = word()
                #expect(table[probe] == dictionary[probe], "round \(round): \(probe)")
                let plain = probe.utf8.count > IDTable.Digest.wordLimit ? IDTable.undecided : dictionary[probe] ?? -1
                #expect(table.plainIndex(of: probe) == plain, "round \(round): plainIndex(of: \(probe))")
            }
        }
    }
}
