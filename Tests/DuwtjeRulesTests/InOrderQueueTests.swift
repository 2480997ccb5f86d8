@testable import DuwtjeRules
import Foundation
import Testing

/// The queue that parses files and decodes rule files on as many threads as there are cores.
@Suite("Work on all cores, results in order")
struct InOrderQueueTests {
    @Test("results come in the pieces' order, whichever thread finished first, within any window")
    func inOrder() {
        for window in [1, 2, 3, 100] {
            // Early pieces take longest, so that later ones are done first.
            let queue = InOrderQueue<Int>(count: 40, window: window) { index in
                var sum = 0
                for step in 0..<((40 - index) * 2_000) { sum &+= step }
                return index * 1_000 + (sum & 0)
            }
            var results: [Int] = []
            for index in 0..<40 {
                if let result = queue.take(index) { results.append(result) }
                queue.handBack()
            }
            queue.finish()
            #expect(results == (0..<40).map { $0 * 1_000 }, "window \(window)")
        }
    }

    @Test("a consumer that stops early, with pieces taken and not handed back, lets the queue go without a crash")
    func stoppedEarly() {
        // libdispatch stops the process when a semaphore is let go below the value it was made
        // with: a cancelled load once did so, now and then.
        for window in [1, 2, 8] {
            let queue = InOrderQueue<Int>(count: 20, window: window) { $0 }
            #expect(queue.take(0) == 0)
            queue.finish()
        }
    }
}
