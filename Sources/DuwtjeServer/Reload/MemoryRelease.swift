#if canImport(Glibc)
import Glibc
#endif

/// Hands memory that a load freed back to the system.
///
/// A load builds YAML trees and definitions several times the size of the compiled rule set and
/// frees them when it is done; glibc keeps those pages (and the arenas of the threads that parsed)
/// for later mallocs, so without this the daemon's resident set stays at the load's peak for good.
enum MemoryRelease {
    #if canImport(Glibc)
    /// glibc's `malloc_trim`, looked up once: `<malloc.h>` is not part of the Glibc module.
    private static let trim: (@convention(c) (Int) -> Int32)? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }
    #endif

    static func afterLoad() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
