import DuwtjeRules
@testable import DuwtjeStore
import DuwtjeTestSupport
import Foundation
import Testing

/// A visitor's showings kept in place (``NudgeShowings`` with its first entry and ``ShowingTimes``
/// in place, issue 15) against a plain reference: a dictionary of nudge → `[Double]`, admitted by
/// the array version of ``MemoryCapStore/admit(_:cap:now:)``.
@Suite("Showings in place")
struct ShowingTimesTests {
    @Test("the times in place admit as the plain array does, with windows, clock jumps back and caps past two")
    func timesAgreeWithArray() {
        var generator = SeededGenerator.forTest("ShowingTimesTests.timesAgreeWithArray")
        for _ in 0..<200 {
            var inPlace = ShowingTimes()
            var plain: [Double] = []
            var now = 1_800_000_000.0
            for step in 0..<200 {
                // Mostly forward, sometimes back (a clock jump, a request with an earlier `now`).
                now += generator.chance(0.1) ? -Double(generator.below(500)) : Double(generator.below(300))
                let cap = Cap(max: 1 + generator.below(5), per: Int64(1 + generator.below(1_000)))
                let date = Date(timeIntervalSince1970: now)
                // The read-only refusal: only where the admission refuses, and then nothing changes.
                let before = plain
                let refused = inPlace.refuses(max: cap.max, windowStart: now - Double(cap.per))
                let got = MemoryCapStore.admit(&inPlace, cap: cap, now: date)
                let expected = MemoryCapStore.admit(&plain, cap: cap, now: date)
                #expect(got == expected, "step \(step)")
                if refused { #expect(!expected && plain == before, "step \(step)") }
                #expect(inPlace.array == plain, "step \(step)")
                #expect(inPlace.count == plain.count)
            }
        }
    }

    @Test("further times leave the window as in the array, also those earlier than the first two (a clock jump back)")
    func furtherTimesLeave() {
        var times = ShowingTimes([100, 200, 50, 300])
        times.removeAll(atOrBefore: 40)
        #expect(times.array == [100, 200, 50, 300])
        times.removeAll(atOrBefore: 60)
        #expect(times.array == [100, 200, 300] && times.count == 3)
        times.removeAll(atOrBefore: 250)
        #expect(times.array == [300] && times.count == 1)
        times.append(10)
        times.append(20)
        times.removeAll(atOrBefore: 15)
        #expect(times.array == [300, 20])
        #expect(times == ShowingTimes([300, 20]))
    }

    @Test("the earliest time in place: NaNs never count, times earlier than the first two do")
    func earliestTime() {
        var times = ShowingTimes([.nan, 100])
        #expect(!times.refuses(max: 3, windowStart: 50))
        #expect(times.refuses(max: 2, windowStart: 50))
        #expect(!times.refuses(max: 2, windowStart: 100))
        times.removeAll(atOrBefore: 99)
        #expect(times.count == 2)
        times = ShowingTimes([300, 200, 250])
        times.append(5)
        #expect(!times.refuses(max: 4, windowStart: 5))
        times.removeAll(atOrBefore: 5)
        #expect(times.array == [300, 200, 250])
        #expect(times.refuses(max: 3, windowStart: 199) && !times.refuses(max: 3, windowStart: 200))
        #expect(!ShowingTimes().refuses(max: 1, windowStart: 0) && ShowingTimes().refuses(max: 0, windowStart: 0))
    }

    @Test("a visitor's showings refuse read-only exactly where the admission refuses, by serial, with reloads' new serials")
    func refusalBySerial() {
        var generator = SeededGenerator.forTest("ShowingTimesTests.refusalBySerial")
        let nudges = (0..<12).map { "nudge-\($0)" }
        for round in 0..<50 {
            var showings = NudgeShowings([:])
            var reference: [String: [Double]] = [:]
            // Each nudge's compiled serial; a reload gives new ones.
            var serials = nudges.indices.map { UInt64($0 + 1) }
            var nextSerial = UInt64(nudges.count + 1)
            var now = 1_800_000_000.0
            let spread = 1 + generator.below(nudges.count)
            for step in 0..<300 {
                now += generator.chance(0.05) ? -Double(generator.below(300)) : Double(generator.below(200))
                if generator.chance(0.02) {
                    for index in serials.indices { serials[index] = nextSerial; nextSerial += 1 }
                }
                let index = generator.below(spread)
                let nudge = nudges[index]
                let cap = Cap(max: 1 + generator.below(3), per: Int64(1 + generator.below(2_000)))
                let date = Date(timeIntervalSince1970: now)
                let before = reference[nudge, default: []]
                let refused = showings.refuses(serial: serials[index], max: cap.max, windowStart: now - Double(cap.per))
                let got = showings.withTimes(of: NudgeOffer.idHash(of: nudge), serial: serials[index], id: { nudge }) {
                    MemoryCapStore.admit(&$0, cap: cap, now: date)
                }
                let expected = MemoryCapStore.admit(&reference[nudge, default: []], cap: cap, now: date)
                #expect(got == expected, "round \(round), step \(step)")
                if refused { #expect(!expected && reference[nudge] == before, "round \(round), step \(step)") }
            }
            #expect(showings.times.filter { !$0.value.isEmpty } == reference.filter { !$0.value.isEmpty }, "round \(round)")
        }
    }

    @Test("a visitor's node stays 128 bytes: two lines, the bound's memory per visitor unchanged")
    func nodeSize() {
        #expect(MemoryLayout<ShowingTimes>.size == 40)
        #expect(MemoryLayout<NudgeShowings.Entry>.stride == 72)
        #expect(MemoryLayout<LRUState.Node>.stride == 128)
    }

    @Test("a visitor's showings admit as a dictionary of arrays does, past the list's limit and restored")
    func showingsAgreeWithDictionary() {
        var generator = SeededGenerator.forTest("ShowingTimesTests.showingsAgreeWithDictionary")
        let nudges = (0..<14).map { "nudge-\($0)" }
        for round in 0..<50 {
            // Restored from a store (as DurableCapStore does) or new.
            var reference: [String: [Double]] = [:]
            if generator.chance(0.5) {
                for nudge in nudges where generator.chance(0.3) { reference[nudge] = [1_800_000_000 - Double(generator.below(100))] }
            }
            var showings = NudgeShowings(reference)
            #expect(showings.times == reference)
            var now = 1_800_000_000.0
            let spread = 1 + generator.below(nudges.count)
            for step in 0..<300 {
                now += Double(generator.below(200))
                let nudge = nudges[generator.below(spread)]
                let cap = Cap(max: 1 + generator.below(4), per: Int64(1 + generator.below(2_000)))
                let date = Date(timeIntervalSince1970: now)
                let got = showings.withTimes(of: nudge) { MemoryCapStore.admit(&$0, cap: cap, now: date) }
                let expected = MemoryCapStore.admit(&reference[nudge, default: []], cap: cap, now: date)
                #expect(got == expected, "round \(round), step \(step)")
            }
            #expect(showings.times == reference, "round \(round)")
            #expect(showings.count == reference.count)
        }
    }
}
