import DuwtjeRules
@testable import DuwtjeStore
import DuwtjeTestSupport
import Foundation
import Testing

/// Admission in one call (``CapStore/admitFirstWithoutWaiting(visitor:now:count:offer:id:)``) against
/// the protocol's default, which asks candidate by candidate as admission did before: the same
/// answers, the same showings counted, the same visitors remembered and forgotten.
@Suite("Admission in one call")
struct AdmitFirstTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A store that answers only candidate by candidate, so that its one call is the protocol's default.
    struct PerCandidate: CapStore {
        let caps: any CapStore

        func admit(visitor: String, nudge: String, cap: Cap, now: Date) async -> Bool {
            await caps.admit(visitor: visitor, nudge: nudge, cap: cap, now: now)
        }

        func isDismissed(visitor: String, nudge: String, now: Date) async -> Bool {
            await caps.isDismissed(visitor: visitor, nudge: nudge, now: now)
        }

        func admitWithoutWaiting(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool? {
            caps.admitWithoutWaiting(visitor: visitor, nudge: nudge, cap: cap, now: now)
        }

        func isDismissedWithoutWaiting(visitor: String, nudge: String, now: Date) -> Bool? {
            caps.isDismissedWithoutWaiting(visitor: visitor, nudge: nudge, now: now)
        }
    }

    /// An answer's candidates as admission offers them: nil for a candidate without a nudge. Each id
    /// has its serial (as a compiled rule set's nudges do), from `serials` on (a reload: new ones).
    struct Candidates {
        var ids: [String?]
        var caps: [Cap?]
        var serials: UInt64 = 0

        func offer(_ rank: Int) -> NudgeOffer? {
            ids[rank].map { id in
                let serial = serials + UInt64(AdmitFirstTests.nudges.firstIndex(of: id) ?? 0) + 1
                return NudgeOffer(idHash: NudgeOffer.idHash(of: id), serial: serial, cap: caps[rank])
            }
        }

        func id(_ rank: Int) -> String {
            ids[rank] ?? ""
        }
    }

    /// Up to five candidates from `nudges`, some uncapped, some without a nudge, with small caps.
    static func candidates(_ nudges: [String], serials: UInt64 = 0, _ generator: inout SeededGenerator) -> Candidates {
        let count = 1 + generator.below(5)
        var result = Candidates(ids: [], caps: [], serials: serials)
        for _ in 0..<count {
            result.ids.append(generator.chance(0.05) ? nil : nudges[generator.below(nudges.count)])
            result.caps.append(generator.chance(0.2) ? nil : Cap(max: 1 + generator.below(3), per: Int64(60 * (1 + generator.below(30)))))
        }
        return result
    }

    /// Nudge ids of every length to 41 bytes (the hash reads them in words of eight, overlapping).
    static let nudges = (0..<12).map { "n" + String(repeating: "x", count: $0 * 3) + "-\($0)" }

    @Test("memory: the one call answers as candidate by candidate, with dismissals and evictions")
    func memoryAgreesWithPerCandidate() {
        var generator = SeededGenerator.forTest("AdmitFirstTests.memoryAgreesWithPerCandidate")
        let oneCall = MemoryCapStore(maxVisitors: 6)
        let reference = MemoryCapStore(maxVisitors: 6)
        let perCandidate = PerCandidate(caps: reference)
        let visitors = (0..<10).map { "bezoeker-\($0)" }
        var served = 0, none = 0
        for step in 0..<5_000 {
            let now = start.addingTimeInterval(Double(step) * 7)
            let visitor = visitors[generator.below(visitors.count)]
            if generator.chance(0.01) {
                let nudge = Self.nudges[generator.below(Self.nudges.count)]
                let until = now.addingTimeInterval(Double(generator.below(3_000)))
                oneCall.dismiss(visitor: visitor, nudge: nudge, until: until)
                reference.dismiss(visitor: visitor, nudge: nudge, until: until)
            }
            if generator.chance(0.002) {
                oneCall.pruneDismissals(now: now)
                reference.pruneDismissals(now: now)
            }
            // A reload every 1,000 steps: the same ids, compiled with new serials.
            let candidates = Self.candidates(Self.nudges, serials: UInt64(step / 1_000) * 100, &generator)
            let count = candidates.ids.count
            // The one-call store is told the visitor first, as the daemon does, and admits with the
            // hint it returned (sometimes after another visitor's prefetch, or none): the same answers.
            let hint = oneCall.prefetch(visitor: visitor)
            if generator.chance(0.2) { _ = oneCall.prefetch(visitor: visitors[generator.below(visitors.count)]) }
            let got = oneCall.admitFirstWithoutWaiting(visitor: visitor, hint: generator.chance(0.8) ? hint : .none, now: now,
                                                       count: count, offer: candidates.offer, id: candidates.id)
            let expected = perCandidate.admitFirstWithoutWaiting(visitor: visitor, now: now, count: count, offer: candidates.offer,
                                                                 id: candidates.id)
            #expect(got == expected, "step \(step)")
            #expect(got != nil, "memory never waits")
            if got == -1 { none += 1 } else { served += 1 }
        }
        #expect(oneCall.count == reference.count)
        #expect(oneCall.evictions == reference.evictions && oneCall.evictions > 0)
        #expect(served > 0 && none > 0, "both outcomes were tried")
    }

    @Test("memory: a candidate without a cap is served, a dismissed one passed over, and nothing is counted for either")
    func uncappedAndDismissed() {
        let caps = MemoryCapStore(maxVisitors: 4)
        let once = Cap(max: 1, per: 3_600)
        let both = Candidates(ids: ["a", "b"], caps: [once, nil])
        #expect(caps.admitFirstWithoutWaiting(visitor: "v", now: start, count: 2, offer: both.offer, id: both.id) == 0)
        #expect(caps.admitFirstWithoutWaiting(visitor: "v", now: start, count: 2, offer: both.offer, id: both.id) == 1, "a is capped")
        caps.dismiss(visitor: "v", nudge: "b", until: start.addingTimeInterval(60))
        #expect(caps.admitFirstWithoutWaiting(visitor: "v", now: start, count: 2, offer: both.offer, id: both.id) == -1)
        let uncapped = Candidates(ids: [nil, "c"], caps: [once, nil])
        #expect(caps.admitFirstWithoutWaiting(visitor: "w", now: start, count: 2, offer: uncapped.offer, id: uncapped.id) == 1)
        #expect(caps.count == 1, "an uncapped nudge does not remember the visitor")
        #expect(caps.admit(visitor: "v", nudge: "b", cap: once, now: start), "b was served uncapped, never counted")
    }

    @Test("durable: the one call answers as candidate by candidate, leaves forgotten visitors to the store, and counts durably")
    func durableAgreesWithPerCandidate() async throws {
        var generator = SeededGenerator.forTest("AdmitFirstTests.durableAgreesWithPerCandidate")
        let (path, hasher, directory) = DurableCapStoreTests.freshStore()
        let (referencePath, _, referenceDirectory) = DurableCapStoreTests.freshStore()
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: referenceDirectory)
        }
        let visitors = (0..<8).map { "bezoeker-\($0)" }
        var waited = 0, counted: [(visitor: String, nudge: String)] = []
        do {
            let (store, oneCall) = try DurableCapStoreTests.open(path, hasher, maxVisitors: 3, now: start)
            let (referenceStore, reference) = try DurableCapStoreTests.open(referencePath, hasher, maxVisitors: 3, now: start)
            let perCandidate = PerCandidate(caps: reference)
            for step in 0..<1_500 {
                let now = start.addingTimeInterval(Double(step))
                let visitor = visitors[generator.below(visitors.count)]
                let candidates = Self.candidates(Self.nudges, &generator)
                let count = candidates.ids.count
                let got = oneCall.admitFirstWithoutWaiting(visitor: visitor, now: now, count: count, offer: candidates.offer,
                                                           id: candidates.id)
                let expected = perCandidate.admitFirstWithoutWaiting(visitor: visitor, now: now, count: count,
                                                                     offer: candidates.offer, id: candidates.id)
                #expect(got == expected, "step \(step)")
                if let got, got >= 0, candidates.caps[got] != nil { counted.append((visitor, candidates.id(got))) }
                if got == nil {
                    // As the server does: the first candidate asked again, in a task, reads the visitor back.
                    waited += 1
                    for rank in 0..<count {
                        guard let id = candidates.ids[rank] else { continue }
                        guard let cap = candidates.caps[rank] else { break }
                        let admitted = await oneCall.admit(visitor: visitor, nudge: id, cap: cap, now: now)
                        #expect(await reference.admit(visitor: visitor, nudge: id, cap: cap, now: now) == admitted, "step \(step)")
                        if admitted { break }
                    }
                }
            }
            #expect(oneCall.remembered == reference.remembered && oneCall.evictions == reference.evictions)
            #expect(waited > 0, "forgotten visitors were left to the store")
            await store.flush()
            await referenceStore.flush()
        }
        // What the one call admitted was handed to the store: a new process still counts it.
        let (_, reopened) = try DurableCapStoreTests.open(path, hasher, maxVisitors: 16, now: start)
        let last = try #require(counted.last)
        #expect(await !reopened.admit(visitor: last.visitor, nudge: last.nudge, cap: Cap(max: 1, per: 86_400),
                                      now: start.addingTimeInterval(1_500)))
    }

    @Test("a visitor's showings tell nudges apart by id when their hashes collide, past the list's limit, and across serials")
    func showingsWithCollidingHashes() {
        var generator = SeededGenerator.forTest("AdmitFirstTests.showingsWithCollidingHashes")
        for colliding in [false, true] {
            var showings = NudgeShowings([:])
            var reference: [String: Int] = [:]
            let nudges = (0..<20).map { "nudge-\($0)" }
            // Serials as compiled nudges get them: two rules may have a nudge of the same id (two
            // serials), a reload gives every nudge new ones, and the store's string API has none (0).
            var next: UInt64 = 0
            func fresh() -> [String: (UInt64, UInt64)] {
                Dictionary(uniqueKeysWithValues: nudges.map { nudge in
                    next += 2
                    return (nudge, (next - 1, next))
                })
            }
            var serials = fresh()
            for _ in 0..<3_000 {
                if generator.chance(0.005) { serials = fresh() }
                let nudge = nudges[generator.below(generator.chance(0.5) ? 6 : nudges.count)]
                let hash = colliding ? 42 : NudgeOffer.idHash(of: nudge)
                let pair = serials[nudge] ?? (0, 0)
                let serial = generator.chance(0.1) ? 0 : generator.chance(0.2) ? pair.1 : pair.0
                let count = showings.withTimes(of: hash, serial: serial, id: { nudge }) { times -> Int in
                    times.append(0)
                    return times.count
                }
                reference[nudge, default: 0] += 1
                #expect(count == reference[nudge], "\(nudge), colliding: \(colliding)")
            }
            // The id's own hash finds the same times as the hash admission brings.
            if !colliding {
                for nudge in nudges { #expect(showings.withTimes(of: nudge) { $0.count } == reference[nudge] ?? 0) }
            }
        }
    }
}
