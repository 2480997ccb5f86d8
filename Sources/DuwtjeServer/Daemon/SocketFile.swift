#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The socket file's life: claimed under a lock, created no more open than configured, removed on
/// shutdown only if it is still ours.
///
/// The sequence, in order:
/// 1. ``claim(_:)`` creates the socket's directory if missing, checks it is writable, takes an
///    exclusive `flock` on `<socket>.lock`, and probes an existing socket file by connecting:
///    a daemon answering means refuse (``DaemonError/alreadyRunning(socket:)``); a refused
///    connection means a stale file, which is removed. It then sets the umask so that `bind`
///    creates the file with at most the configured mode; with `socket.group` set, owner-only at first.
/// 2. The HTTP server binds and listens (Hummingbird).
/// 3. ``didBind()`` restores the umask, gives the file to `socket.group` with `chown` and only then
///    widens it to the configured mode, records the file's inode, and releases the lock.
/// 4. ``remove()`` (on shutdown) unlinks the file under the lock, only if its inode is still the
///    one bound in step 3, so a daemon stopping never removes a successor's socket.
///
/// Because the lock is held from the probe until the socket listens, two daemons started at once
/// leave exactly one listening: the second sees the first answering and refuses.
public final class SocketFile: Sendable {
    public let path: String
    public let mode: UInt32
    /// The group id for `socket.group`, looked up when claimed.
    let groupID: gid_t?
    let groupName: String?

    struct State {
        var lockDescriptor: Int32 = -1
        var savedUmask: mode_t?
        var inode: (dev: UInt64, ino: UInt64)?
    }

    private let state: Mutex<State>

    /// The longest socket path the daemon can listen on, in bytes. Linux's `sockaddr_un` holds 107,
    /// but SwiftNIO refuses more than 103 (the most every platform's `sun_path` holds), so 103 is the
    /// real limit; checked before anything is created, so a refused start leaves nothing behind.
    public static var maxPathLength: Int { 103 }

    init(path: String, mode: UInt32, groupID: gid_t?, groupName: String?) {
        self.path = path
        self.mode = mode
        self.groupID = groupID
        self.groupName = groupName
        state = Mutex(State())
    }

    public var lockPath: String { path + ".lock" }

    /// Steps 1 of the sequence above; on success the lock is held and the umask set until
    /// ``didBind()`` or ``abandon()``.
    public static func claim(_ socket: DaemonConfiguration.Socket, lockTimeout: Duration = .seconds(10)) throws(DaemonError) -> SocketFile {
        let path = socket.path
        guard path.utf8.count <= maxPathLength else { throw .socketPathTooLong(path: path, limit: maxPathLength) }
        var groupID: gid_t?
        if let group = socket.group {
            guard let id = lookUpGroup(group) else { throw .socketGroup(group: group, reason: "no such group") }
            groupID = id
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if let blocker = firstNonDirectory(on: directory) {
            throw .socketDirectory(path: directory, reason: "cannot be created: \(blocker) is not a directory")
        }
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .socketDirectory(path: directory, reason: "cannot be created (\(Self.reason(errno)))")
            }
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw .socketDirectory(path: directory, reason: "is not writable (\(Self.reason(errno)))")
        }
        let file = SocketFile(path: path, mode: socket.mode, groupID: groupID, groupName: socket.group)
        try file.lock(timeout: lockTimeout)
        do {
            try file.replaceIfStale()
        } catch {
            file.unlock()
            throw error
        }
        // bind() creates the file with 0777 & ~umask: never more than the mode, and owner-only
        // until the group is right when a group is configured.
        let createMode = groupID == nil ? socket.mode : socket.mode & 0o700
        let previous = umask(mode_t(0o777 & ~createMode))
        file.state.withLock { $0.savedUmask = previous }
        return file
    }

    /// The first existing path on the way from `/` to `directory` that is not a directory (a file
    /// where a directory must be), or nil. `mkdir` would report it as "Permission denied" or
    /// "File exists", which sends an operator looking in the wrong place.
    static func firstNonDirectory(on directory: String) -> String? {
        var prefix = ""
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) else { return nil }
            if !isDirectory.boolValue { return prefix }
        }
        return nil
    }

    /// Step 3: the socket listens; make it the configured group and mode, and let go of the lock.
    public func didBind() throws(DaemonError) {
        restoreUmask()
        defer { unlock() }
        if let groupID {
            guard chown(path, uid_t.max, groupID) == 0 else {
                throw .socketGroup(group: groupName ?? String(groupID), reason: Self.reason(errno))
            }
            guard chmod(path, mode_t(mode)) == 0 else { throw .socketMode(path: path, reason: Self.reason(errno)) }
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            let inode = (dev: UInt64(info.st_dev), ino: UInt64(info.st_ino))
            state.withLock { $0.inode = inode }
        }
    }

    /// Undoes ``claim(_:)`` when the daemon does not get as far as listening.
    public func abandon() {
        restoreUmask()
        unlock()
    }

    /// Step 4: removes the socket file if it is still the one this daemon bound. Returns whether it did.
    @discardableResult
    public func remove() -> Bool {
        guard let inode = state.withLock({ $0.inode }) else { return false }
        let locked = (try? lock(timeout: .seconds(2))) != nil
        defer { if locked { unlock() } }
        var info = stat()
        guard lstat(path, &info) == 0, UInt64(info.st_dev) == inode.dev, UInt64(info.st_ino) == inode.ino else { return false }
        return unlink(path) == 0
    }

    func restoreUmask() {
        if let saved = state.withLock({ state -> mode_t? in
            defer { state.savedUmask = nil }
            return state.savedUmask
        }) {
            umask(saved)
        }
    }

    func lock(timeout: Duration) throws(DaemonError) {
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .lockFailed(path: lockPath, reason: Self.reason(errno)) }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            guard error == EWOULDBLOCK || error == EINTR else {
                close(descriptor)
                throw .lockFailed(path: lockPath, reason: Self.reason(error))
            }
            guard ContinuousClock.now < deadline else {
                close(descriptor)
                throw .lockTimeout(path: lockPath)
            }
            usleep(20_000)
        }
        state.withLock { $0.lockDescriptor = descriptor }
    }

    func unlock() {
        let descriptor = state.withLock { state -> Int32 in
            defer { state.lockDescriptor = -1 }
            return state.lockDescriptor
        }
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Removes a stale socket file; refuses when a daemon answers or the file is not a socket.
    func replaceIfStale() throws(DaemonError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path: path) }
        switch Self.probe(path) {
        case .live:
            throw .alreadyRunning(socket: path)
        case .stale:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .socketDirectory(path: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                       reason: "does not let the stale socket be removed (\(Self.reason(errno)))")
            }
        case .absent:
            return
        }
    }

    /// What is behind a socket path.
    public enum ProbeResult: Sendable, Equatable {
        /// A process accepts connections (or its backlog is full, which also means alive).
        case live
        /// The file exists but nothing listens.
        case stale
        /// No file.
        case absent
    }

    /// Connects to `path` without blocking to learn whether a daemon is behind it.
    public static func probe(_ path: String) -> ProbeResult {
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return .live }
        defer { close(descriptor) }
        guard var address = socketAddress(path) else { return .absent }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return .live }
        switch errno {
        case ECONNREFUSED: return .stale
        case ENOENT: return .absent
        default: return .live  // EAGAIN: a full backlog; EACCES: someone else's socket. Either way, not ours to remove.
        }
    }

    static func socketAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return address
    }

    static func lookUpGroup(_ name: String) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        if status == 0, result != nil { return group.gr_gid }
        if let id = gid_t(name) { return id }
        return nil
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
