@testable import DuwtjeRules
import Dispatch
import Foundation
import Synchronization
import Testing

/// The threads of a loader's own that a load hands its side work to.
@Suite("Workers of a loader's own")
struct LoadWorkersTests {
    @Test("every job given runs, and the group it was given with says when")
    func jobsRun() {
        let workers = LoadWorkers(count: 3)
        let done = Mutex<[Int]>([])
        let group = DispatchGroup()
        for job in 0..<50 {
            workers.async(group: group) { done.withLock { $0.append(job) } }
        }
        group.wait()
        #expect(done.withLock { $0.sorted() } == Array(0..<50))
    }

    @Test("work for each thread runs once on each of them, not twice on one", arguments: [1, 2, 4])
    func onEachThread(count: Int) {
        let workers = LoadWorkers(count: count)
        let threads = Mutex<[String]>([])
        for _ in 0..<3 {
            threads.withLock { $0 = [] }
            workers.onEachThread {
                let name = "\(Unmanaged.passUnretained(Thread.current).toOpaque())"
                threads.withLock { $0.append(name) }
            }
            #expect(threads.withLock { $0.count } == count)
            #expect(Set(threads.withLock { $0 }).count == count)
        }
    }
}
