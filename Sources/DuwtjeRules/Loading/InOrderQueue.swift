import Dispatch
import Foundation
import Synchronization

/// Numbered pieces of work (a file to parse, a file's rules to decode) done on as many threads as
/// there are cores, each thread taking the next piece not yet taken, while one consumer — the
/// loader — takes the results in order (``LoadPass/readEach``, ``LoadPass/decodeRuleFiles(_:from:)``).
///
/// Files were parsed in lock-step windows of one file per core before: the window's faster files'
/// threads waited for its slowest, and every core waited while the loader read the window's
/// results. Here a thread goes on to the next piece as soon as it is done, and the loader reads one
/// result while the next ones are made.
///
/// On `workers` when given (a daemon's loader thread's own, ``LoadWorkers``), on the system's threads otherwise.
///
/// `window` bounds how many pieces are taken and not yet handed back (being made, made, or being
/// read by the consumer): a large set's trees are dropped after they are read, and no more of them
/// may be held at once than the lock-step windows held.
final class InOrderQueue<Output: Sendable>: Sendable {
    private struct State {
        var results: [Output?]
        var next = 0
        /// Set when the consumer stops taking results: the threads take no more pieces.
        var stopped = false
    }

    private let state: Mutex<State>
    /// One per piece: signalled when its result is in.
    private let ready: [DispatchSemaphore]
    /// Free places in the window.
    private let room: DispatchSemaphore
    private let group = DispatchGroup()
    private let job: @Sendable (Int) -> Output

    /// Starts the threads on pieces `0..<count`; `job` makes a piece's result.
    init(count: Int, window: Int, workers: LoadWorkers? = nil, job: @escaping @Sendable (Int) -> Output) {
        state = Mutex(State(results: Array(repeating: nil, count: count)))
        ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        // Made empty and then given its places: libdispatch stops the process when a semaphore is
        // let go with a value below the one it was made with, as this one is when the consumer stops
        // early (a cancelled load) with pieces taken and not handed back.
        room = DispatchSemaphore(value: 0)
        self.job = job
        for _ in 0..<max(1, window) { room.signal() }
        for _ in 0..<min(count, LoadWorkers.width(of: workers)) {
            LoadWorkers.async(on: workers, group: group) { self.work() }
        }
    }

    private func work() {
        while true {
            room.wait()
            let index = state.withLock { state -> Int? in
                guard !state.stopped, state.next < state.results.count else { return nil }
                defer { state.next += 1 }
                return state.next
            }
            guard let index else {
                // Passed on, so that a thread still waiting for room finds out too.
                room.signal()
                return
            }
            let result = job(index)
            state.withLock { $0.results[index] = result }
            ready[index].signal()
        }
    }

    /// The result of piece `index`, once made; each is taken once, in order.
    func take(_ index: Int) -> Output? {
        ready[index].wait()
        return state.withLock { state in
            defer { state.results[index] = nil }
            return state.results[index]
        }
    }

    /// The consumer is done with a result it took: its place in the window is free again.
    func handBack() {
        room.signal()
    }

    /// Takes no more pieces and waits for the threads to finish the ones they took. Call it once,
    /// after the last `take`, or to stop early.
    func finish() {
        state.withLock { $0.stopped = true }
        room.signal()
        group.wait()
    }
}
