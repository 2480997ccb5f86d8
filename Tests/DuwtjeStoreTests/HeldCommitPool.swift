import NIOPosix

/// A thread pool of its own for a test that holds a commit open in a gate (blocking a writer
/// thread on a semaphore). On `NIOThreadPool.singleton` (one thread per core: two here) the held
/// commits of two suites plus the blocking work of the others left no thread to run a first commit
/// for 15 s in a full run; with a pool of its own, a held commit holds up only its own test.
/// Shut it down with `shutdownGracefully` when the test ends.
func heldCommitPool() -> NIOThreadPool {
    let pool = NIOThreadPool(numberOfThreads: 2)
    pool.start()
    return pool
}
