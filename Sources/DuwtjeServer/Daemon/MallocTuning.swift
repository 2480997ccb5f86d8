#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// How the daemon keeps glibc's allocator from holding on to the memory of rule sets it no longer
/// serves (issue 15: 10,000 rules in ≤ 64 MiB, after start and after reloads). A no-op elsewhere.
///
/// Measured with `Benchmarks/Scripts/memory.sh` (generated 10,000-rule set, 10 SIGHUPs; see
/// Benchmarks/README.md, "Issue 15: memory at 10,000 rules"): without these, VmRSS went from
/// 92 MiB after the start to 236 MiB after four reloads and stayed there; with both, 89 and 101.
public enum MallocTuning {
    /// One malloc arena for the whole process; call first thing in `main`, for `serve` only.
    ///
    /// glibc gives threads arenas of their own (up to 8 per core) and never moves memory between
    /// them. A reload runs on whichever thread of the blocking pool is free and parses on Dispatch's
    /// threads, so without the trim each of the first four reloads grew another arena to a load's
    /// peak (+30 MiB each); with the trim but several arenas, a reload still peaked at 134 MiB
    /// against 117 in one arena, where a load reuses the room the previous rule set left. The
    /// request path showed no cost (server CPU per answer in `compare.sh`, noisy: 40–47 µs with one
    /// arena, 53–58 µs without): its allocations are small and come from each thread's cache first.
    public static func useOneArena() {
        #if canImport(Glibc)
        _ = mallopt(M_ARENA_MAX, 1)
        #endif
    }

    /// Hands the allocator's free pages back to the kernel (`malloc_trim(0)`); call after a load,
    /// once the loader's trees and the previous rule set are let go, never on an event loop
    /// (it walks the whole heap under the arena's lock, which other threads then wait for when
    /// their own cache has no chunk to give: 5–30 ms after a reload of 10,000 rules, logged at
    /// debug level).
    ///
    /// glibc itself only returns memory at the top of the heap, and the top usually holds
    /// something still alive, so a freed rule set stayed resident. This is most of the gain:
    /// 236 → 100 MiB after 10 reloads even with the usual arenas.
    public static func returnFreeMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
