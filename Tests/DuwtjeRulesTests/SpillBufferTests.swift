@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// The walk's lists keep what does not fit in place in a ``SpillBuffer`` (a pointer, freed by hand)
/// instead of an array: checked here against arrays, and the runs' merge against a plain one.
@Suite("Spill buffers and the runs' merge")
struct SpillBufferTests {
    @Test("appends, reads, writes and copies out as an array does")
    func sameAsArray() {
        var generator = SeededGenerator.forTest("SpillBufferTests.sameAsArray")
        for round in 0..<200 {
            var buffer = SpillBuffer<Int32>()
            var reference: [Int32] = []
            for _ in 0..<generator.below(70) {
                switch generator.below(4) {
                case 0 where !reference.isEmpty:
                    let index = generator.below(reference.count)
                    let value = Int32(truncatingIfNeeded: generator.next())
                    buffer[index] = value
                    reference[index] = value
                default:
                    let value = Int32(truncatingIfNeeded: generator.next())
                    buffer.append(value)
                    reference.append(value)
                }
                #expect(buffer.count == reference.count, "round \(round)")
            }
            #expect(Array(buffer.array) == reference, "round \(round)")
            #expect(buffer.isEmpty == reference.isEmpty)
            for index in reference.indices { #expect(buffer[index] == reference[index], "round \(round)") }
            let probe = reference.isEmpty ? 7 : reference[generator.below(reference.count)]
            #expect(buffer.contains { $0 == probe } == reference.contains(probe), "round \(round)")
            buffer.free()
            #expect(buffer.isEmpty && buffer.array.isEmpty, "free empties it")
            buffer.append(5)
            #expect(Array(buffer.array) == [5], "usable again after free")
            buffer.free()
        }
    }

    @Test("the picks and candidates past those in place are kept in order")
    func listsKeepTheirOverflow() {
        var picks = Answer.PickList()
        var candidates = Answer.CandidateList()
        for index in 0..<20 {
            picks.append(Answer.Pick(content: index * 3, rule: index, variant: -1))
            candidates.append(Answer.CandidatePick(rule: index, variant: index % 3 - 1, capped: index.isMultiple(of: 2)))
        }
        #expect(picks.count == 20 && picks.inline.count == 20)
        #expect(picks.more.array.map(\.content) == (Answer.Picks.inlineCount..<20).map { Int32($0 * 3) })
        #expect(picks.contains(content: 57) && picks.contains(content: 0) && !picks.contains(content: 58))
        #expect(candidates.inline.count == 20)
        #expect(candidates.more.array.map(\.rule) == (Answer.CandidatePicks.inlineCount..<20).map { Int32($0) })
        #expect(candidates.more.array.map(\.capped) == (Answer.CandidatePicks.inlineCount..<20).map { $0.isMultiple(of: 2) })
        picks.free()
        candidates.free()
        #expect(picks.more.isEmpty && candidates.more.isEmpty)
    }

    /// Up to 12 ascending runs in one word array, merged by ``Runs`` as ``Candidates/next()`` does
    /// (the general list's head as the bound), against the sorted union of all of them.
    @Test("the runs' merge hands over each position once, in order, with many runs")
    func runsMergeAsSortedUnion() {
        var generator = SeededGenerator.forTest("SpillBufferTests.runsMergeAsSortedUnion")
        for round in 0..<200 {
            var words: [Int32] = []
            var lists: [Range<Int>] = []
            for _ in 0...generator.below(12) {
                let values = Set((0..<generator.below(15)).map { _ in Int32(generator.below(60)) }).sorted()
                lists.append(words.count..<(words.count + values.count))
                words.append(contentsOf: values)
            }
            let general = lists[0]
            let filed = lists.dropFirst()
            let expected = Set(words).sorted()
            var handed: [Int32] = []
            words.withUnsafeBufferPointer { words in
                var runs = Runs()
                for (slot, list) in filed.enumerated() {
                    runs.append(Run(slot: slot, head: list.lowerBound, end: list.upperBound, in: words))
                }
                #expect(runs.count == filed.count)
                var head = general.lowerBound
                while true {
                    let generalHead = head < general.upperBound ? words[head] : .max
                    let best = runs.next(below: generalHead, in: words)
                    guard best != .max else { break }
                    if best == generalHead { head += 1 }
                    handed.append(best)
                }
                // The subscript reads what the merge moved: every run is at its end.
                for index in 0..<runs.count { #expect(runs[index].head == runs[index].end && runs[index].value == .max, "round \(round)") }
                runs.free()
            }
            #expect(handed == expected, "round \(round)")
        }
    }
}
