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
