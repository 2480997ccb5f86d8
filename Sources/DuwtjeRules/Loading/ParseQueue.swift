import Dispatch
import Foundation
import Synchronization

/// Rule files parsed on as many threads as there are cores, each thread taking the next file not
/// yet taken, while the loader takes the results in the files' order (``LoadPass/readEach``).
///
/// Before, files were parsed in lock-step windows of one file per core: the window's faster
/// files' threads waited for its slowest, and every core waited while the loader read the window's
/// results. Now a thread goes on to the next file as soon as it is done, and the loader reads a
/// file's result while the next ones are parsed.
///
/// `window` bounds how many files are taken and not yet handed back (parsing, parsed, or being read
/// by the loader): a large set's trees are dropped after they are read, and no more of them may be
/// held at once than the lock-step windows held.
final class ParseQueue: Sendable {
    private struct State {
        /// The files not yet taken; a thread takes a file's bytes out, so that they are let go once parsed.
        var inputs: [RuleFile?]
        var results: [YAMLReader.Result?]
        var next = 0
        /// Set when the loader stops taking results: the threads take no more files.
        var stopped = false
    }

    private let state: Mutex<State>
    /// One per file: signalled when its result is in.
    private let ready: [DispatchSemaphore]
    /// Free places in the window.
    private let room: DispatchSemaphore
    private let threads: Int
    private let group = DispatchGroup()
    private let limits: YAMLLimits
    private let shareTexts: Bool
    private let cancellation: LoadCancellation?

    init(_ files: [RuleFile], window: Int, limits: YAMLLimits, shareTexts: Bool, cancellation: LoadCancellation?) {
        state = Mutex(State(inputs: files, results: Array(repeating: nil, count: files.count)))
        ready = files.map { _ in DispatchSemaphore(value: 0) }
        room = DispatchSemaphore(value: max(1, window))
        threads = min(files.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        self.limits = limits
        self.shareTexts = shareTexts
        self.cancellation = cancellation
    }

    /// Starts the threads.
    func start() {
        for _ in 0..<threads {
            DispatchQueue.global().async(group: group) { self.work() }
        }
    }

    private func work() {
        while true {
            room.wait()
            let job = state.withLock { state -> (Int, RuleFile)? in
                guard !state.stopped, state.next < state.inputs.count, let file = state.inputs[state.next] else { return nil }
                let index = state.next
                state.inputs[index] = nil
                state.next += 1
                return (index, file)
            }
            guard let (index, file) = job else {
                // Passed on, so that a thread still waiting for room finds out too.
                room.signal()
                return
            }
            let read = YAMLReader.read(file.bytes, file: file.path, limits: limits, shareTexts: shareTexts,
                                       cancellation: cancellation)
            state.withLock { $0.results[index] = read }
            ready[index].signal()
        }
    }

    /// The result of the file at `index` (of the files given), once parsed; each is taken once, in order.
    func take(_ index: Int) -> YAMLReader.Result? {
        ready[index].wait()
        return state.withLock { state in
            defer { state.results[index] = nil }
            return state.results[index]
        }
    }

    /// The loader is done with a result it took: its place in the window is free again.
    func handBack() {
        room.signal()
    }

    /// Takes no more files and waits for the threads to finish the ones they took.
    func finish() {
        state.withLock { $0.stopped = true }
        room.signal()
        group.wait()
    }
}
