import Foundation

/// An `LD_PRELOAD` library that makes the disk fail on request: while the file named by
/// `DUWTJE_FAULT_TRIGGER` exists and says `fsync` (or `write`), every `fsync`/`fdatasync` (or
/// `write`/`pwrite`/`pwrite64`) on a file under `DUWTJE_FAULT_PATH` fails with `EIO`, as a dying disk
/// or a failed writeback does. Everything else passes through to libc. Compiled from source for the
/// test with the C compiler beside Swift (the toolchain's clang) or the system's `cc`.
///
/// Why not a device-mapper `error` target: it needs `/dev/mapper` and a loop device, which containers
/// (CI here) do not have; the shim needs neither and fails exactly the calls the reliability notes
/// discuss (a failed fsync, "fsyncgate").
public enum IOFaultShim {
    static let source = #"""
    #define _GNU_SOURCE
    #include <dlfcn.h>
    #include <errno.h>
    #include <fcntl.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/types.h>
    #include <unistd.h>

    static int failing(int fd, const char *what) {
        const char *trigger = getenv("DUWTJE_FAULT_TRIGGER");
        const char *prefix = getenv("DUWTJE_FAULT_PATH");
        if (!trigger || !prefix) return 0;
        int t = open(trigger, O_RDONLY | O_CLOEXEC);
        if (t < 0) return 0;
        char said[16] = {0};
        ssize_t n = read(t, said, sizeof said - 1);
        close(t);
        if (n <= 0 || strncmp(said, what, strlen(what)) != 0) return 0;
        char link[64], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t m = readlink(link, target, sizeof target - 1);
        if (m <= 0) return 0;
        target[m] = 0;
        return strncmp(target, prefix, strlen(prefix)) == 0;
    }

    #define REAL(name) static __typeof__(name) *real; if (!real) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

    int fsync(int fd) { if (failing(fd, "fsync")) { errno = EIO; return -1; } REAL(fsync); return real(fd); }
    int fdatasync(int fd) { if (failing(fd, "fsync")) { errno = EIO; return -1; } REAL(fdatasync); return real(fd); }
    ssize_t write(int fd, const void *b, size_t n) {
        if (failing(fd, "write")) { errno = EIO; return -1; } REAL(write); return real(fd, b, n);
    }
    ssize_t pwrite(int fd, const void *b, size_t n, off_t o) {
        if (failing(fd, "write")) { errno = EIO; return -1; } REAL(pwrite); return real(fd, b, n, o);
    }
    ssize_t pwrite64(int fd, const void *b, size_t n, off64_t o) {
        if (failing(fd, "write")) { errno = EIO; return -1; } REAL(pwrite64); return real(fd, b, n, o);
    }
    """#

    /// A C compiler: the toolchain's clang (found beside `swift` on the PATH), else the system's.
    public static let compiler: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let names = ["clang", "cc", "gcc"]
        for name in names {
            for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }()

    /// Builds the library into `directory` and returns its path.
    public static func build(in directory: String) throws -> String {
        guard let compiler else { throw DaemonProcess.DaemonFailed(message: "no C compiler (clang, cc, gcc) on the PATH") }
        let sourcePath = directory + "/iofault.c"
        let library = directory + "/iofault.so"
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler)
        process.arguments = ["-shared", "-fPIC", "-O1", "-o", library, sourcePath, "-ldl"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DaemonProcess.DaemonFailed(message: "\(compiler) could not build the I/O fault shim (exit \(process.terminationStatus))")
        }
        return library
    }

    /// The daemon's environment for the shim: fail calls on files under `path` when `trigger` says so.
    public static func environment(library: String, trigger: String, path: String) -> [String: String] {
        ["LD_PRELOAD": library, "DUWTJE_FAULT_TRIGGER": trigger, "DUWTJE_FAULT_PATH": path]
    }
}
