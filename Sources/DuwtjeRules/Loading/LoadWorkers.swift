import Dispatch
import Foundation
import Synchronization

/// Long-lived threads that one loader hands its side work to: parsing files, hashing the version,
/// decoding rule files and compiling journeys (issue 15: a load on both cores).
///
/// Why not the system's worker threads: glibc gives each thread a malloc arena of its own, and
/// what a worker decodes or compiles for a rule set (its rules, its compiled tables) stays in that
/// worker's arena for the set's life. A daemon builds each new set in arenas that the set it
/// replaces does not use, so that the old set's pages are freed whole (its `LoaderThreads` take
/// turns for that). System workers are shared by every load, so each set was spread over the same
/// few arenas as the one before it (+6–8 MiB resident at 10,000 rules, Benchmarks/README.md,
/// branch `load5`). Giving each loader thread workers of its own keeps a set's arenas together.
///
/// A load without workers (tools, tests) uses the system's threads, as before.
public final class LoadWorkers: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    /// One signal per job queued.
    private let queued = DispatchSemaphore(value: 0)
    /// How many threads take jobs.
    public let count: Int

    /// Starts `count` threads (at least one; as many as there are cores when nil) that wait for
    /// work and never stop: make one set of them per loader thread, for the process's life.
    public init(count: Int? = nil) {
        self.count = max(1, count ?? ProcessInfo.processInfo.activeProcessorCount)
        for _ in 0..<self.count {
            let thread = Thread { [self] in self.serve() }
            thread.name = "duwtje-load-worker"
            thread.start()
        }
    }

    private func serve() {
        while true {
            queued.wait()
            let job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            job?()
        }
    }

    /// Runs `work` on one of the threads, as `DispatchQueue.global().async(group:)` would; jobs
    /// start in the order they were given.
    func async(group: DispatchGroup, _ work: @escaping @Sendable () -> Void) {
        group.enter()
        jobs.withLock {
            $0.append {
                work()
                group.leave()
            }
        }
        queued.signal()
    }

    /// Runs `work` once on each of the threads and waits for all of them: for what a thread must do
    /// itself, such as a daemon's renewal of its cache of freed chunks after a reload (a worker's
    /// cache otherwise holds chunks of the replaced set's arenas, whose pages the trim then keeps).
    /// Call it between loads, never from a worker.
    public func onEachThread(_ work: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        // Each job waits until every thread has one, so no thread takes two.
        let arrived = Atomic<Int>(0)
        let everyone = DispatchSemaphore(value: 0)
        for _ in 0..<count {
            async(group: group) { [count] in
                work()
                if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == count {
                    for _ in 0..<count { everyone.signal() }
                }
                everyone.wait()
            }
        }
        group.wait()
    }

    /// `work` on `workers` if there are any, on the system's threads otherwise.
    static func async(on workers: LoadWorkers?, group: DispatchGroup, _ work: @escaping @Sendable () -> Void) {
        if let workers {
            workers.async(group: group, work)
        } else {
            DispatchQueue.global().async(group: group, execute: work)
        }
    }

    /// How many threads side work may use at once: the workers', or as many as there are cores.
    static func width(of workers: LoadWorkers?) -> Int {
        workers?.count ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
