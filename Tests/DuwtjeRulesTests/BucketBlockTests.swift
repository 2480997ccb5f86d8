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
                                   filedStarts: Int32(generator.below(1_000)))
            let effects = Bucket.Lists(generalStart: Int32(generator.below(1_000)), generalEnd: Int32(generator.below(1_000)),
                                       filedStarts: Int32(generator.below(1_000)))
            let bucket = Bucket(all: all, effects: effects, filedCount: Int32(filed.count))
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
                #expect(read.filedCount == Int32(filed.count), "round \(round)")
                for value in 0..<valueCount {
                    #expect(Bucket.slot(ofValue: value, block: lead, in: words) == filed.firstIndex(of: value),
                            "round \(round) value \(value) of \(valueCount)")
                }
            }
        }
    }
}
