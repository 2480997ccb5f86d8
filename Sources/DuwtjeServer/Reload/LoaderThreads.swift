import DuwtjeRules
import Dispatch
import NIOPosix
import Synchronization

/// Two long-lived threads that take turns loading rule sets, so that a reloaded set does not fill
/// the gaps of the one it replaces (issue 15: 10,000 rules in ≤ 64 MiB after 10 reloads).
///
/// glibc gives each thread a malloc arena of its own and keeps it for the thread's life. A rule set
/// is built while the one it replaces is still served; built in the same arena, the new set's
/// objects land in the old one's gaps, and once the old set is freed its pages stay half used, so
/// no trim can return them: +9 MiB after 10 reloads of the generated 10,000-rule set (59.5 → 68.8).
/// Taking turns, each load builds in the arena the set before last used, which is empty by then,
/// and the replaced set's arena is trimmed whole (``MallocTuning/returnFreeMemory()``).
///
/// A load also runs on other threads (parsing, decoding rule files, compiling journeys: issue 15,
/// a load on both cores), and what they allocate for the set stays in their arenas too. So each
/// loader thread has workers of its own (``LoadWorkers``), which the load it runs is given: a set
/// and its workers' share of it alternate as a whole. (On the system's shared worker threads, each
/// set was spread over the same arenas as the one before: +6–8 MiB resident, branch `load5`.)
///
/// Process-wide, like `NIOThreadPool.singleton`: two idle threads and their workers, never stopped.
final class LoaderThreads: Sendable {
    static let shared = LoaderThreads()

    private let threads: [NIOThreadPool]
    private let workers: [LoadWorkers]
    private let turn = Mutex(0)

    private init() {
        threads = [NIOThreadPool(numberOfThreads: 1), NIOThreadPool(numberOfThreads: 1)]
        workers = [LoadWorkers(), LoadWorkers()]
        for thread in threads { thread.start() }
    }

    /// Runs `work` on the thread whose turn it is, with that thread's workers, and waits for it (the
    /// caller is a thread of the blocking pool, never an event loop). Loads never overlap
    /// (``ReloadService`` awaits each). Its result; nil only if the thread dropped the work, which
    /// an `NIOThreadPool` never does.
    func run<Result: Sendable>(_ work: @escaping @Sendable (LoadWorkers) -> Result) -> Result? {
        let (thread, workers) = turn.withLock { turn in
            defer { turn = 1 - turn }
            return (threads[turn], self.workers[turn])
        }
        let result = Mutex<Result?>(nil)
        let done = DispatchSemaphore(value: 0)
        // `submit` runs the work even on a pool that is stopping (as cancelled); these never stop.
        thread.submit { _ in
            let value = work(workers)
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0.take() }
    }

    /// Runs ``MallocTuning/renewThreadCache()`` on each loader thread and each of their workers, and
    /// waits for all: after a reload, each thread's cache may hold chunks of the arenas of the set
    /// just replaced (the threads that built it, and the one that let it go), which would keep their
    /// pages from the trim.
    func renewThreadCaches() {
        for workers in workers { workers.onEachThread { MallocTuning.renewThreadCache() } }
        let done = DispatchGroup()
        for thread in threads {
            done.enter()
            thread.submit { _ in
                MallocTuning.renewThreadCache()
                done.leave()
            }
        }
        done.wait()
    }
}
