#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The store's files are the daemon user's alone: directories it creates 0700, the database 0600
/// (SQLite gives its `-wal` and `-shm` files the database's mode), the secret 0600
/// (``VisitorHasher/load(secretAt:)``). Set explicitly rather than left to the umask, which a caller
/// may have narrowed (a umask that drops the owner's search bit makes a directory unusable).
extension EventStore {
    /// Creates `directory` and any missing parents with mode 0700; existing ones are left as they are.
    static func createPrivateDirectory(_ directory: String, for path: String) throws(StoreError) {
        var missing: [String] = []
        var current = URL(fileURLWithPath: directory).standardizedFileURL.path
        while current != "/", !current.isEmpty, access(current, F_OK) != 0 {
            missing.append(current)
            current = URL(fileURLWithPath: current).deletingLastPathComponent().path
        }
        for component in missing.reversed() {
            if mkdir(component, 0o700) == 0 {
                // mkdir's mode is narrowed by the umask: set it whole.
                guard chmod(component, 0o700) == 0 else { throw failure(path, "cannot set the mode of \(component)") }
            } else if errno != EEXIST {
                throw failure(path, "cannot create the directory \(component)")
            }
        }
    }

    /// Creates the database file with mode 0600 when it does not exist yet, before SQLite would
    /// create it 0644 (less the umask).
    static func createPrivateFile(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            defer { close(descriptor) }
            guard fchmod(descriptor, 0o600) == 0 else { throw failure(path, "cannot set the mode of the database") }
            return
        }
        guard errno == EEXIST else { throw failure(path, "cannot create the database") }
    }

    private static func failure(_ path: String, _ what: String) -> StoreError {
        StoreError(path: path, message: "\(what): \(String(cString: strerror(errno))); check that the directory is writable by the daemon's user (set store.path to a writable place)")
    }
}

extension EventStore {
    /// Removes the `-wal` and `-shm` files at `path` when they are the ones this process has open: after
    /// the database file was deleted or replaced they belong to the old file, and left at the path the
    /// next opener would replay the old WAL into whatever file is there now (SQLite cannot tell them
    /// apart), resurrecting or corrupting data. Files at those paths this process does not hold are
    /// someone else's and are left alone.
    static func removeOwnSidecars(of path: String) {
        let open = openFiles()
        for suffix in ["-wal", "-shm"] {
            var status = stat()
            guard stat(path + suffix, &status) == 0, open.contains(FileIdentity(status)) else { continue }
            unlink(path + suffix)
        }
    }

    struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    /// The files this process has open, by device and inode (from /proc/self/fd).
    private static func openFiles() -> Set<FileIdentity> {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var identities = Set<FileIdentity>()
        for descriptor in descriptors.compactMap({ Int32($0) }) {
            var status = stat()
            if fstat(descriptor, &status) == 0 { identities.insert(FileIdentity(status)) }
        }
        return identities
    }
}
