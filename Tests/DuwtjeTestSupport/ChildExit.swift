public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Whether a child process has exited, and how, found with `waitpid(WNOHANG)` instead of
/// Foundation's `Process` monitor.
///
/// On Linux that monitor learns of an exit from a socket the child inherits; when the socket
/// closes early it blocks in `waitpid(pid, 0)` on a child that is still running, and notices no
/// other exit until that child ends (swift-corelibs-foundation#4795 and kin). Seen here: the
/// monitor blocked on one running daemon, every other child became a zombie, tests waiting in
/// `waitUntilExit()` held both threads of the cooperative pool, and the suite hung for good.
/// Reaping ourselves never blocks and never waits for the monitor; when the monitor reaped first,
/// its answer is used.
public enum ChildExit {
    /// Statuses of children reaped here (Foundation no longer can tell them).
    private static let reaped = Mutex<[pid_t: Int32]>([:])

    /// The exit status (the signal's number when a signal ended it, as `Process` reports), or nil
    /// while the child runs.
    public static func status(_ process: Process) -> Int32? {
        let pid = process.processIdentifier
        if let known = reaped.withLock({ $0[pid] }) { return known }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid {
            let status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : raw & 0x7F
            reaped.withLock { $0[pid] = status }
            return status
        }
        if result == 0 { return nil }
        // Reaped by Foundation's monitor (or never a child of ours): its answer, once it has one.
        return process.isRunning ? nil : process.terminationStatus
    }

    public static func isRunning(_ process: Process) -> Bool { status(process) == nil }

    /// Waits, polling every 10 ms on the calling thread, until the child exits; for short commands.
    @discardableResult
    public static func waitBlocking(_ process: Process) -> Int32 {
        while true {
            if let status = status(process) { return status }
            usleep(10_000)
        }
    }
}
