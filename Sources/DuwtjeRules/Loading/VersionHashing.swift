import Dispatch
import Synchronization

/// A set's version (``RuleDirectory/version(of:)``) worked out on a thread of its own while the
/// files are parsed: hashing 5 MB took ~3 ms at the start of every load, with the other core idle.
final class VersionHashing: Sendable {
    /// The files until they are hashed (their bytes are let go then), and then their version.
    private let state: Mutex<(files: [RuleFile], version: String?)>
    private let group = DispatchGroup()

    /// Starts hashing `files` (test files are left out of the hash, as ``RuleDirectory/version(of:)`` does).
    init(of files: [RuleFile], workers: LoadWorkers? = nil) {
        state = Mutex((files, nil))
        LoadWorkers.async(on: workers, group: group) {
            let files = self.state.withLock { state in
                defer { state.files = [] }
                return state.files
            }
            let version = RuleDirectory.version(of: files)
            self.state.withLock { $0.version = version }
        }
    }

    /// The version, once worked out.
    func wait() -> String {
        group.wait()
        return state.withLock { $0.version } ?? ""
    }
}
