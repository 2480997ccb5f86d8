import DuwtjeRules
import Foundation
import Testing
import DuwtjeStore

@Suite("Nudge caps in memory")
struct CapStoreTests {
    let cap = Cap(max: 2, per: 3_600)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a sliding window: showings older than the window no longer count")
    func slidingWindow() {
        let store = MemoryCapStore(maxVisitors: 10)
        #expect(store.admit(visitor: "v", nudge: "n", cap: cap, now: start))
        #expect(store.admit(visitor: "v", nudge: "n", cap: cap, now: start.addingTimeInterval(1_800)))
        #expect(!store.admit(visitor: "v", nudge: "n", cap: cap, now: start.addingTimeInterval(3_599)))
        #expect(store.admit(visitor: "v", nudge: "n", cap: cap, now: start.addingTimeInterval(3_600)))
        #expect(!store.admit(visitor: "v", nudge: "n", cap: cap, now: start.addingTimeInterval(3_700)))
        #expect(store.admit(visitor: "v", nudge: "other", cap: cap, now: start.addingTimeInterval(3_700)))
    }

    @Test("each nudge keeps its own count, for a visitor who meets a few nudges or many (restored or not)")
    func manyNudgesPerVisitor() {
        let store = MemoryCapStore(maxVisitors: 10)
        let one = Cap(max: 1, per: 86_400)
        // 30 nudges: past the short list a visitor's showings start in (8), into the dictionary.
        for round in 0..<2 {
            for index in 0..<30 {
                #expect(store.admit(visitor: "v", nudge: "n\(index)", cap: one, now: start) == (round == 0), "round \(round), n\(index)")
            }
        }
        // A visitor restored with more nudges than the short list holds, and with a few.
        let many = Dictionary(uniqueKeysWithValues: (0..<12).map { ("n\($0)", [start.timeIntervalSince1970]) })
        #expect(!store.admit(visitor: "w", nudge: "n11", cap: one, now: start, restoring: many))
        #expect(store.admit(visitor: "w", nudge: "n12", cap: one, now: start, restoring: many))
        #expect(!store.admit(visitor: "x", nudge: "n0", cap: one, now: start, restoring: ["n0": [start.timeIntervalSince1970]]))
        #expect(store.admit(visitor: "x", nudge: "n1", cap: one, now: start))
        #expect(!store.admit(visitor: "x", nudge: "n1", cap: one, now: start))
    }

    @Test("bounded by max visitors: the visitor seen least recently is forgotten first")
    func leastRecentlySeenGoesFirst() {
        let store = MemoryCapStore(maxVisitors: 2)
        let one = Cap(max: 1, per: 86_400)
        #expect(store.admit(visitor: "a", nudge: "n", cap: one, now: start))
        #expect(store.admit(visitor: "b", nudge: "n", cap: one, now: start))
        #expect(!store.admit(visitor: "a", nudge: "n", cap: one, now: start))  // a is now the most recent
        #expect(store.admit(visitor: "c", nudge: "n", cap: one, now: start))   // evicts b
        #expect(store.count == 2)
        #expect(store.evictions == 1)
        #expect(!store.admit(visitor: "a", nudge: "n", cap: one, now: start))  // a was kept
        #expect(store.admit(visitor: "b", nudge: "n", cap: one, now: start))   // b was forgotten
        #expect(store.evictions == 2)
    }

    @Test("a showing later than now still counts (the wall clock went back, or a request with an earlier now)")
    func showingAfterNowCounts() {
        let store = MemoryCapStore(maxVisitors: 10)
        let one = Cap(max: 1, per: 86_400)
        #expect(store.admit(visitor: "v", nudge: "n", cap: one, now: start))
        #expect(!store.admit(visitor: "v", nudge: "n", cap: one, now: start.addingTimeInterval(-3_600)))
        // Asking with an earlier time did not forget the later showing.
        #expect(!store.admit(visitor: "v", nudge: "n", cap: one, now: start.addingTimeInterval(60)))
        #expect(store.admit(visitor: "v", nudge: "n", cap: one, now: start.addingTimeInterval(86_400)))
    }

    @Test("safe under concurrent requests: exactly max showings are admitted")
    func concurrentAdmits() async {
        let store = MemoryCapStore(maxVisitors: 1_000)
        let cap = Cap(max: 3, per: 86_400)
        let start = self.start
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<400 {
                group.addTask { store.admit(visitor: "v\(index % 4)", nudge: "n", cap: cap, now: start) }
            }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(admitted == 12)
    }
}
