import Foundation
import Synchronization

/// What every fuzz target needs around libFuzzer's raw buffer.
public enum FuzzInput {
    /// The input as an array: the buffer libFuzzer passes is not NUL-terminated and is only valid
    /// during the call, so it is copied and never read as a C string.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Splits an input at NUL bytes into parts (empty parts kept, so positions stay stable).
    ///
    /// The YAML reader refuses NUL in a file, so NUL is free to separate the files of one input.
    public static func parts(_ bytes: [UInt8], max: Int) -> [ArraySlice<UInt8>] {
        Array(bytes.split(separator: 0, maxSplits: max - 1, omittingEmptySubsequences: false))
    }
}

/// Stops the run with a message when an invariant fails, so libFuzzer records the input as a crash.
///
/// An invariant a target checks is a promise to users (every refusal names a place), not a detail.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant: " + message()) }
}

/// Runs `body` to its end and returns its result, from libFuzzer's synchronous callback: nudge
/// admission is `async` (a shared store answers over the network), the fuzzers' caps answer at once.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    // Set before the signal; the semaphore orders the two.
    guard let value = result.withLock({ $0.take() }) else { preconditionFailure("the task signalled without a result") }
    return value
}
