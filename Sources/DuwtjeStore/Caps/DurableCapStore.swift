#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import Crypto
public import DuwtjeRules
public import DuwtjeWire
public import Foundation
import NIOPosix
import Synchronization

/// Turns a visitor id into a keyed hash (HMAC-SHA256), so that neither the store nor memory holds
/// the id itself, and nobody without the secret can test a guessed id against the store.
///
/// The secret is 32 random bytes made at first start and kept beside the database
/// (`<store.path>.secret`, mode 0600). Losing it only resets caps.
public struct VisitorHasher: Sendable {
    let key: SymmetricKey
    /// An HMAC that has taken in the key already. Every answer with a visitor and a nudge hashes
    /// the visitor (twice: dismissals, then caps); starting from a copy of this one skips the key's
    /// padding and its two block hashes, and the `Data` and `SymmetricKey` handling of the one-shot
    /// API: 1.6 µs of a 19.5 µs request before, measured with perf under the socket benchmark.
    private let keyed: HMAC<SHA256>

    public init(key: SymmetricKey) {
        self.key = key
        self.keyed = HMAC<SHA256>(key: key)
    }

    public func hash(_ visitor: String) -> [UInt8] {
        var mac = keyed
        var visitor = visitor
        visitor.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize().withUnsafeBytes { Array($0) }
    }

    /// Reads the secret at `path`, creating it (temporary file, fsync, rename, fsync of the
    /// directory; mode 0600 from the start) when missing and `create` is true. A shared store
    /// passes false: every server must use the same file, so a missing one is an error.
    public static func load(secretAt path: String, create: Bool = true) throws(StoreError) -> VisitorHasher {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else {
                throw StoreError(path: path, message: "the secret must be 32 bytes, not \(data.count); delete it to make a new one (caps restart from zero)")
            }
            return VisitorHasher(key: SymmetricKey(data: data))
        }
        guard create else {
            throw StoreError(path: path, message: "store.secret_file does not exist; make it once (head -c 32 /dev/urandom > FILE, mode 0600) and copy the same file to every server")
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Array($0) }
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(path: path, message: "cannot create the secret: \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw StoreError(path: path, message: "cannot write the secret: \(String(cString: strerror(errno)))")
        }
        let directory = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return VisitorHasher(key: key)
    }

    /// A batch's dismissals as every engine keeps them: the visitor's keyed hash, the nudge, and the
    /// end (`at` + the nudge's `dismiss_for`, rules.md 5); a nudge the rule set does not know is left out.
    public func dismissals(_ batch: [EventBatch.Dismissal], in ruleSet: RuleSet) -> [EventStore.Dismissal] {
        batch.compactMap { dismissal in
            guard let window = ruleSet.dismissWindow(of: dismissal.nudge) else { return nil }
            return EventStore.Dismissal(visitor: hash(dismissal.visitor), nudge: dismissal.nudge,
                                        until: dismissal.at.timeIntervalSince1970 + Double(window))
        }
    }
}

/// Nudge caps kept in the event store, so that a restart does not reset them.
///
/// Checking stays in memory (a ``MemoryCapStore`` keyed by the visitor's hash), so `admit` costs
/// one HMAC and one lock, never a disk write on the request path; each admitted showing is handed
/// to the store's writer and committed with the next group commit. A visitor memory does not hold
/// (after a start, or forgotten to make room) is read from the store when they return
/// (``admit(visitor:nudge:cap:now:)``), so neither a restart nor `maxVisitors` loses a cap.
/// A crash can lose the showings of the last commit interval (milliseconds): at worst a visitor sees a
/// nudge once more than its cap.
public final class DurableCapStore: CapStore {
    let memory: MemoryCapStore
    let hasher: VisitorHasher
    let store: EventStore
    private let lastDismissalPrune = Mutex(Date.distantPast)

    /// Starts with no visitor in memory (each is read from the store on their first capped nudge,
    /// see ``admit(visitor:nudge:cap:now:)``) and the dismissals that still hold at `now`.
    public init(store: EventStore, hasher: VisitorHasher, maxVisitors: Int, now: Date = Date()) throws(StoreError) {
        self.memory = MemoryCapStore(maxVisitors: maxVisitors)
        self.hasher = hasher
        self.store = store
        remember(try store.dismissals(holdingAfter: now.timeIntervalSince1970))
    }

    public func isDismissed(visitor: String, nudge: String, now: Date) -> Bool {
        // Until someone dismisses a nudge there is nothing to look up: no hash to compute.
        guard memory.holdsDismissals else { return false }
        return memory.isDismissed(visitor: Self.key(hasher.hash(visitor)), nudge: nudge, now: now)
    }

    /// Dismissals are all in memory (read at start, added as they are committed).
    public func isDismissedWithoutWaiting(visitor: String, nudge: String, now: Date) -> Bool? {
        isDismissed(visitor: visitor, nudge: nudge, now: now)
    }

    /// A visitor in memory is answered at once (one HMAC, one lock, and the showing handed to the
    /// store's writer); one memory does not hold would need a read from the store: nil.
    public func admitWithoutWaiting(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool? {
        let hash = hasher.hash(visitor)
        guard let admitted = memory.admitIfRemembered(visitor: Self.key(hash), nudge: nudge, cap: cap, now: now) else { return nil }
        if admitted { store.recordShowing(visitor: hash, nudge: nudge, at: now.timeIntervalSince1970) }
        return admitted
    }

    /// All candidates at once: no HMAC when the first candidate is uncapped and nothing is dismissed
    /// (as candidate by candidate), else one HMAC of the visitor for all of them (one a capped
    /// candidate before); nil when a capped candidate is reached for a visitor memory does not hold.
    public func admitFirstWithoutWaiting(visitor: String, now: Date, count: Int, offer: (Int) -> NudgeOffer?,
                                         id: (Int) -> String) -> Int? {
        if !memory.holdsDismissals {
            for rank in 0..<count {
                guard let candidate = offer(rank) else { continue }
                if candidate.cap == nil { return rank }
                break
            }
        }
        let hash = hasher.hash(visitor)
        guard let rank = memory.admitFirst(visitor: Self.key(hash), now: now, count: count, offer: offer, id: id, absent: .skip) else {
            return nil
        }
        if rank >= 0, offer(rank)?.cap != nil { store.recordShowing(visitor: hash, nudge: id(rank), at: now.timeIntervalSince1970) }
        return rank
    }

    /// The batch's dismissals as the store keeps them (see ``VisitorHasher/dismissals(_:in:)``).
    public func dismissals(_ batch: [EventBatch.Dismissal], in ruleSet: RuleSet) -> [EventStore.Dismissal] {
        hasher.dismissals(batch, in: ruleSet)
    }

    /// Applies dismissals once they are committed (and, at most hourly, forgets those that ended).
    public func remember(_ dismissals: [EventStore.Dismissal], now: Date = Date()) {
        let due = lastDismissalPrune.withLock { last -> Bool in
            guard now.timeIntervalSince(last) >= 3_600 else { return false }
            last = now
            return true
        }
        if due { memory.pruneDismissals(now: now) }
        for dismissal in dismissals {
            memory.dismiss(visitor: Self.key(dismissal.visitor), nudge: dismissal.nudge,
                           until: Date(timeIntervalSince1970: dismissal.until))
        }
    }

    /// A visitor in memory costs one HMAC and one lock. A visitor memory does not hold (never seen,
    /// forgotten to make room under `caps.max_visitors`, or not read back at start) is read from the
    /// store first (one indexed look-up on a reader connection that never waits for a commit), so
    /// the memory bound never weakens a cap. When that read fails, the capped nudge is not shown:
    /// not showing a nudge is always allowed, showing it past its cap is not.
    public func admit(visitor: String, nudge: String, cap: Cap, now: Date) async -> Bool {
        let hash = hasher.hash(visitor)
        let key = Self.key(hash)
        let admitted: Bool
        if let remembered = memory.admitIfRemembered(visitor: key, nudge: nudge, cap: cap, now: now) {
            admitted = remembered
        } else {
            // The read is file I/O: on the pool for blocking work, never on an event loop.
            let store = self.store
            let since = now.timeIntervalSince1970 - Double(max(store.longestCapWindow, cap.per))
            guard let earlier = try? await store.threadPool.runIfActive({ try store.showings(of: hash, since: since) }) else {
                return false
            }
            admitted = memory.admit(visitor: key, nudge: nudge, cap: cap, now: now, restoring: earlier)
        }
        guard admitted else { return false }
        store.recordShowing(visitor: hash, nudge: nudge, at: now.timeIntervalSince1970)
        return true
    }

    /// Visitors forgotten to make room under `caps.max_visitors` since start (read back from the store
    /// when they return).
    public var evictions: Int { memory.evictions }

    /// Visitors whose showings are in memory now.
    public var remembered: Int { memory.count }

    static func key(_ hash: [UInt8]) -> String { Hex.string(hash) }

    /// The longest cap window (`per`, in seconds) of any nudge in `ruleSet`, variants included.
    public static func longestWindow(in ruleSet: RuleSet) -> Int64 {
        var longest: Int64 = 0
        for rule in ruleSet.definition.rules {
            if let cap = rule.nudge?.cap { longest = max(longest, cap.per) }
            for variant in rule.variants {
                if case .replace(let nudge) = variant.nudge, let cap = nudge.cap { longest = max(longest, cap.per) }
            }
        }
        return longest
    }
}
