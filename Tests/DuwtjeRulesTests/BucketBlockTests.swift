@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// A bucket's block (``Bucket``): its header and the bitmap of the journey's filed values filed
/// under it, checked against a plain sorted list of those values. The walk's answers through the
/// blocks are checked against the full walk in `EngineTests.indexAgreesWithFullWalk` and
/// `RecordLayoutTests`.
@Suite("Bucket blocks")
struct BucketBlockTests {
    @Test("a value's slot is its index among the bucket's filed values, nil for one not filed there")
    func slotsAgreeWithSortedValues() {
        var generator = SeededGenerator.forTest("BucketBlockTests.slotsAgreeWithSortedValues")
        for round in 0..<300 {
            let valueCount = generator.below(4) == 0 ? generator.below(3) : generator.below(300)
            let density = Double(generator.below(101)) / 100
            let filed = (0..<valueCount).filter { _ in generator.chance(density) }
            let stride = Bucket.stride(valueCount: valueCount)
            #expect(stride % MatchTable.lineWords == 0 && stride >= Bucket.headerWords + 2 * ((valueCount + 31) / 32))
            if valueCount <= 128 { #expect(stride == MatchTable.lineWords, "round \(round): one line up to 128 values") }
            let all = Bucket.Lists(generalStart: Int32(generator.below(1_000)), generalEnd: Int32(generator.below(1_000)),
                                   filedStarts: Int32(generator.below(1_000)), endOffset: 1)
            let effects = Bucket.Lists(generalStart: Int32(generator.below(1_000)), generalEnd: Int32(generator.below(1_000)),
                                       filedStarts: Int32(generator.below(1_000)), endOffset: 2)
            let firstGeneral = Int32(generator.below(1_000))
            let bucket = Bucket(all: all, effects: effects, filedCount: Int32(filed.count), firstGeneral: firstGeneral)
            // Blocks of other buckets around it, as in a journey's program.
            let lead = generator.below(3) * stride
            let block = bucket.block(filed: filed, valueCount: valueCount, stride: stride)
            #expect(block.count == stride, "round \(round)")
            let words = [Int32](repeating: -7, count: lead) + block + [Int32](repeating: -7, count: stride)
            words.withUnsafeBufferPointer { words in
                let read = Bucket(block: lead, in: words)
                #expect(read.all.generalStart == all.generalStart && read.all.generalEnd == all.generalEnd
                        && read.all.filedStarts == all.filedStarts, "round \(round)")
                #expect(read.effects.generalStart == effects.generalStart && read.effects.generalEnd == effects.generalEnd
                        && read.effects.filedStarts == effects.filedStarts, "round \(round)")
                #expect(read.filedCount == Int32(filed.count) && read.firstGeneral == firstGeneral, "round \(round)")
                #expect(read.all.endOffset == 1 && read.effects.endOffset == 2, "round \(round)")
                for value in 0..<valueCount {
                    #expect(Bucket.slot(ofValue: value, block: lead, in: words) == filed.firstIndex(of: value),
                            "round \(round) value \(value) of \(valueCount)")
                }
            }
        }
    }

    @Test("a bucket's lists, each value's starts and first record, against the filings they were built from")
    func listsAgreeWithFilings() {
        var generator = SeededGenerator.forTest("BucketBlockTests.listsAgreeWithFilings")
        for round in 0..<300 {
            let ruleCount = 1 + generator.below(60)
            let numberCount = 1 + generator.below(40)
            let effect = (0..<ruleCount).map { _ in generator.chance(0.5) }
            // Records at arbitrary ascending offsets, as in a program.
            var records: [Int32] = []
            var offset: Int32 = 0
            for _ in 0..<ruleCount {
                offset += Int32(1 + generator.below(20))
                records.append(offset)
            }
            var builder = BucketBuilder()
            var general: [Int] = []
            var filings: [Int32: [Int]] = [:]
            for position in 0..<ruleCount {
                if generator.chance(0.3) {
                    general.append(position)
                    builder.general.append(Int32(position))
                    continue
                }
                var numbers = Set<Int32>()
                for _ in 0..<(1 + generator.below(3)) { numbers.insert(Int32(generator.below(numberCount))) }
                for number in numbers.sorted() {
                    builder.file(position, under: number)
                    filings[number, default: []].append(position)
                }
            }
            var counts = [Int32](repeating: 0, count: numberCount)
            var program = ContiguousArray<Int32>(repeating: -7, count: generator.below(50))
            let (bucket, numbers) = builder.bucket(effect: effect, records: records, counts: &counts, into: &program)
            program.append(contentsOf: repeatElement(-7, count: 3))
            #expect(counts.allSatisfy { $0 == 0 }, "round \(round)")
            #expect(numbers == filings.keys.sorted(), "round \(round)")
            #expect(bucket.filedCount == Int32(numbers.count), "round \(round)")
            #expect(bucket.firstGeneral == (general.first.map { records[$0] } ?? 0), "round \(round)")
            program.withUnsafeBufferPointer { words in
                func list(_ start: Int32, _ end: Int32) -> [Int32] { Array(words[Int(start)..<Int(end)]) }
                #expect(list(bucket.all.generalStart, bucket.all.generalEnd) == general.map { records[$0] }, "round \(round)")
                #expect(list(bucket.effects.generalStart, bucket.effects.generalEnd) == general.filter { effect[$0] }.map { records[$0] },
                        "round \(round)")
                for (slot, number) in numbers.enumerated() {
                    let positions = filings[number] ?? []
                    let (range, first) = bucket.all.firstFiled(at: slot, in: words)
                    #expect(range == bucket.all.filed(at: slot, in: words), "round \(round) slot \(slot)")
                    #expect(Array(words[range]) == positions.map { records[$0] }, "round \(round) slot \(slot)")
                    #expect(first == records[positions[0]], "round \(round) slot \(slot)")
                    #expect(Array(words[bucket.effects.filed(at: slot, in: words)]) == positions.filter { effect[$0] }.map { records[$0] },
                            "round \(round) slot \(slot)")
                }
            }
        }
    }
}
