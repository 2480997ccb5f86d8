import Foundation
internal import Crypto

/// One file of a rule set: its path relative to the rule set's directory, and its bytes.
public struct RuleFile: Sendable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// `*_test.yaml` / `*_test.yml`: rule tests, never served.
    public var isTest: Bool { Self.isTestPath(path) }

    static func isTestPath(_ path: String) -> Bool { path.hasSuffix("_test.yaml") || path.hasSuffix("_test.yml") }
}

/// Why a rule directory could not be read at all (as opposed to what is wrong inside a file).
public struct RuleDirectoryError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var fix: String

    public var description: String { "\(path): \(reason) (\(fix))" }
}

/// Reads a rule set's files from disk: every `*.yaml` / `*.yml` below a directory, recursively,
/// in byte order of their relative paths. Hidden files and folders (editor swap files, `.git`) are skipped.
public enum RuleDirectory {
    /// All YAML files below `directory`, rule files and test files alike, in read order.
    ///
    /// Files over `maxBytes` are returned empty-handed with `oversized` set, so the loader can refuse
    /// them by name without reading them into memory.
    public static func read(_ directory: String, maxBytes: Int = YAMLLimits.default.maxBytes) throws(RuleDirectoryError) -> [RuleFile] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw RuleDirectoryError(path: directory, reason: "no such directory",
                                     fix: "name the folder that holds the rule files")
        }
        guard isDirectory.boolValue else {
            throw RuleDirectoryError(path: directory, reason: "not a directory", fix: "name the folder that holds the rule files")
        }
        // Resolved first: deployments often point a stable path at a release folder by symlink, and
        // the enumerator would otherwise list the link itself and find no files below it.
        let root = URL(fileURLWithPath: directory, isDirectory: true).resolvingSymlinksInPath().standardizedFileURL
        guard let enumerator = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey],
                                                  options: [.skipsHiddenFiles]) else {
            throw RuleDirectoryError(path: directory, reason: "cannot be listed", fix: "check its permissions")
        }
        var found: [(path: String, url: URL, size: Int)] = []
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator {
            let name = url.lastPathComponent
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { continue }
            guard let size = regularFileSize(atPath: url.path) else { continue }
            let full = url.standardizedFileURL.path
            let relative = full.hasPrefix(rootPath) ? String(full.dropFirst(rootPath.count)) : name
            found.append((relative, url, size))
        }
        // An empty rule set is never what operations meant: a wrong path or a half-done deploy must
        // not replace the rules being served with nothing.
        guard found.contains(where: { !RuleFile.isTestPath($0.path) }) else {
            throw RuleDirectoryError(path: directory, reason: "holds no rule files (*.yaml, *.yml)",
                                     fix: "name the folder with the rule files, or finish copying them there")
        }
        found.sort { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        var files: [RuleFile] = []
        for (path, url, size) in found {
            if size > maxBytes {
                // Read only one byte more than allowed: the reader refuses it by size, not by memory.
                let handle = try? FileHandle(forReadingFrom: url)
                let head = (try? handle?.read(upToCount: maxBytes + 1)) ?? nil
                try? handle?.close()
                files.append(RuleFile(path: path, bytes: head.map { [UInt8]($0) } ?? []))
                continue
            }
            guard let bytes = contents(ofFile: url.path, size: size) ?? manager.contents(atPath: url.path).map({ [UInt8]($0) }) else {
                throw RuleDirectoryError(path: directory + "/" + path, reason: "cannot be read", fix: "check its permissions")
            }
            files.append(RuleFile(path: path, bytes: bytes))
        }
        return files
    }

    /// The size of the regular file at `path`; nil for anything else, a symbolic link included.
    /// `lstat`, as Foundation's `resourceValues(forKeys: [.isRegularFileKey])` and `[.fileSizeKey]`
    /// answer on Linux (a link to a file is not a regular file there; `RuleDirectoryTests` holds the
    /// two to the same answers): those two calls took ~290,000 instructions each, ~23 M a load of
    /// 41 files on the loader's thread before any parsing starts (issue 15, `load11`).
    static func regularFileSize(atPath path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// A file's bytes read straight into the array, when the file holds `size` bytes as listed; nil
    /// when it cannot be read so, or holds more (the caller then reads it through Foundation).
    /// Reading into `Data` and copying that into an array moved every byte twice and made two large
    /// allocations per file (issue 15: the files are read on one thread at the start of each load,
    /// with the other core idle).
    static func contents(ofFile path: String, size: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var failed = false
        // One byte of room more than the listed size, so that a file that has grown since is seen.
        let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            while count < buffer.count {
                let got = systemRead(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
                if got > 0 {
                    count += got
                } else if got == 0 {
                    return
                } else if errno != EINTR {
                    failed = true
                    return
                }
            }
        }
        guard !failed, bytes.count <= size else { return nil }
        return bytes
    }

    /// `sha256:<hex>` of the served files, in read order: for each, its relative path (UTF-8), a NUL,
    /// its length in decimal, a NUL, and its bytes. The lengths keep two different sets of files from
    /// ever hashing the same.
    public static func version(of files: [RuleFile]) -> String {
        var hasher = SHA256()
        for file in files where !file.isTest {
            hasher.update(data: Array(file.path.utf8) + [0] + Array(String(file.bytes.count).utf8) + [0])
            hasher.update(data: file.bytes)
        }
        let digest = hasher.finalize()
        return "sha256:" + Hex.string(digest)
    }
}

/// The C library's `read`, outside ``RuleDirectory``, where the name is the type's own ``RuleDirectory/read(_:maxBytes:)``.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
