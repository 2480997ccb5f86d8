// ThreadSanitizer cannot see a contended `Synchronization.Mutex` hand over its lock on Linux: the fast
// paths are inlined atomics (seen), the slow paths (`_MutexHandle._lockSlow`/`_unlockSlow`, futex PI)
// run in the uninstrumented libswiftSynchronization (not seen). Two threads incrementing one counter
// only under the Mutex print exactly 400000 and still get "Swift access race" reported:
//
//   swiftc -sanitize=thread -g -o /tmp/mutex-tsan scripts/sanitizers/mutex-tsan-repro.swift && /tmp/mutex-tsan
//
// (Swift 6 toolchain of this machine, 2026-11-30: 1 warning.) See tsan.supp.
import Foundation
import Synchronization

final class Counter: @unchecked Sendable { var value = 0 }
let counter = Counter()
let mutex = Mutex(())
let group = DispatchGroup()
for _ in 0..<2 {
    group.enter()
    Thread.detachNewThread {
        for _ in 0..<200_000 { mutex.withLock { _ in counter.value += 1 } }
        group.leave()
    }
}
group.wait()
print("count", mutex.withLock { _ in counter.value })
