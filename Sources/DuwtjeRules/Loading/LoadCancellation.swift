import Synchronization

/// Set by whoever started a rule load when its result is no longer wanted: the daemon, when
/// SIGTERM arrives during a reload.
///
/// The YAML reader checks it between events and the loader between files and phases, so an
/// abandoned load ends within one event instead of parsing on while the process exits. (Before,
/// an exit during such a parse left its half-built trees to LeakSanitizer as "leaks": see
/// docs/api.md, "Checked: the suite under sanitizers".) A cancelled load yields no definition and
/// one error saying it was cancelled.
public final class LoadCancellation: Sendable {
    let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() {
        flag.store(true, ordering: .relaxed)
    }

    public var isCancelled: Bool {
        flag.load(ordering: .relaxed)
    }
}
