@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// The journeys' programs in one region (``WordRegion``, ``CompiledJourney/inOneRegion(_:)``): the
/// words the walk reads are the ones the compiler wrote, each program from a cache line's start, the
/// region read only and, where the kernel has transparent huge pages, eligible for them.
@Suite("Journey programs in one region")
struct WordRegionTests {
    /// The `/proc/self/smaps` block of the mapping that holds `address` (its first line, then its
    /// fields), or nil.
    static func mapping(holding address: Int) -> [String]? {
        guard let smaps = Self.contents(of: "/proc/self/smaps") else { return nil }
        var block: [String]?
        for line in smaps.split(separator: "\n").map(String.init) {
            let fields = line.split(separator: " ")
            let bounds = fields.first?.split(separator: "-") ?? []
            if fields.count >= 5, bounds.count == 2, let low = Int(bounds[0], radix: 16), let high = Int(bounds[1], radix: 16) {
                if block != nil { return block }
                if (low..<high).contains(address) { block = [line] }
            } else {
                block?.append(line)
            }
        }
        return block
    }

    /// A file of the kernel's read to its end: these report a size of 0, and
    /// `String(contentsOfFile:)` read only the first ~4 KB of `/proc/self/smaps`.
    static func contents(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Whether this kernel gives huge pages to memory advised so (`[always]` or `[madvise]`).
    static var transparentHugePages: Bool {
        guard let mode = Self.contents(of: "/sys/kernel/mm/transparent_hugepage/enabled") else { return false }
        return mode.contains("[always]") || mode.contains("[madvise]")
    }

    @Test("a region holds what it was filled with, from a page's start; from 2 MiB on, a huge page's, read only, eligible for huge pages",
          arguments: [1, 1_000, 524_288, 524_288 + 1_000, 3_000_000])
    func filledAlignedReadOnly(words: Int) throws {
        let region = try #require(WordRegion(words: words) { all in
            for index in all.indices { all[index] = Int32(truncatingIfNeeded: index &* 7 &+ 3) }
        })
        let start = region.address(ofWord: 0)
        let bytes = words * MemoryLayout<Int32>.stride
        #expect(region.mappedBytes >= bytes && region.mappedBytes % 4_096 == 0)
        #expect(start % 4_096 == 0)
        if bytes >= WordRegion.hugePageBytes { #expect(start % WordRegion.hugePageBytes == 0) }
        let read = try #require(UnsafePointer<Int32>(bitPattern: start))
        for index in stride(from: 0, to: words, by: Swift.max(1, words / 997)) {
            #expect(read[index] == Int32(truncatingIfNeeded: index &* 7 &+ 3), "word \(index)")
        }
        #expect(read[words - 1] == Int32(truncatingIfNeeded: (words - 1) &* 7 &+ 3))
        #if os(Linux)
        let mapping = try #require(Self.mapping(holding: start))
        // `r--p`: the kernel refuses writes (a stray write would stop the process, not change a rule).
        let permissions = mapping[0].split(separator: " ")[1]
        #expect(permissions == "r--p", "\(mapping[0])")
        if bytes >= WordRegion.hugePageBytes, Self.transparentHugePages {
            #expect(mapping.contains { $0.hasPrefix("THPeligible:") && $0.hasSuffix("1") }, "\(mapping.joined(separator: "\n"))")
        }
        #endif
    }

    @Test("every journey's program is read from the set's region, from a line's start, word for word what the compiler wrote")
    func programsAsCompiled() throws {
        var generator = SeededGenerator.forTest("WordRegionTests.programsAsCompiled")
        // Two journeys (the second a copy of the first), so that the region holds two programs.
        let journey = vocabulary[vocabulary.range(of: "  bz:\n")!.lowerBound..<vocabulary.range(of: "personas:")!.lowerBound]
        let twoJourneys = vocabulary.replacingOccurrences(of: "personas:", with: journey.replacingOccurrences(of: "  bz:", with: "  bz2:") + "personas:")
        var rules = "rules:\n"
        for id in ["bz", "bz2"] {
            for index in 0..<120 {
                rules += RecordLayoutTests.rule(index, &generator)
                    .replacingOccurrences(of: "  - id: r\(index)\n", with: "  - id: \(id)-r\(index)\n    journey: \(id)\n")
                    .replacingOccurrences(of: "{ id: n\(index),", with: "{ id: \(id)-n\(index),")
            }
        }
        let definition = try compile(["a.yaml": twoJourneys, "b.yaml": rules]).definition
        let tables = SharedTables(definition, timeZone: amsterdam)
        let byJourney = definition.ruleIndicesByJourney
        // As compiled, each program in an array of its own; the set moves them into its region.
        let compiled = definition.journeys.map { tables.compile($0, rules: definition.rules, positions: byJourney[$0.id] ?? []) }
        let set = RuleSet(definition, tables, journeys: compiled)
        #expect(set.journeys.count == 2)
        var regions: Set<ObjectIdentifier> = []
        for (placed, original) in zip(set.journeys, compiled) {
            #expect(original.match.programAddress == 0 && placed.match.program.isEmpty)
            #expect(placed.match.programAddress != 0 && placed.match.programAddress % 64 == 0)
            if let region = placed.match.region { regions.insert(ObjectIdentifier(region)) }
            let words = placed.withMatch { Array($0.program) }
            let expected = original.withMatch { Array($0.program) }
            #expect(expected.count > 1_000 && words == expected)
        }
        #expect(regions.count == 1)
    }
}
