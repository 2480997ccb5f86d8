#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// How the daemon keeps glibc's allocator from holding on to the memory of rule sets it no longer
/// serves (issue 15: 10,000 rules in ≤ 64 MiB, after start and after reloads). A no-op elsewhere.
///
/// Measured with `Benchmarks/Scripts/memory.sh` (generated 10,000-rule set, 10 SIGHUPs; see
/// Benchmarks/README.md, "Issue 15: memory at 10,000 rules"): without the trim, VmRSS went from
/// 92 MiB after the start to 236 MiB after four reloads and stayed there; with it, 89 and 100.
///
/// One malloc arena (`M_ARENA_MAX=1`) was tried beside it: reloads peaked lower (117 against
/// 134 MiB) but the load then shares the allocator's one lock with the request path, and the
/// slowest answer during a reload storm was 534 ms against 117 ms with the usual arenas. Reload
/// latency is the user-visible promise; the few MiB are not, so the arenas are left as they are.
public enum MallocTuning {
    /// Hands the allocator's free pages back to the kernel (`malloc_trim(0)`); call after a load,
    /// once the loader's trees and the previous rule set are let go, never on an event loop
    /// (it walks the whole heap under the arena's lock, which other threads then wait for when
    /// their own cache has no chunk to give: 5–30 ms after a reload of 10,000 rules, logged at
    /// debug level).
    ///
    /// glibc itself only returns memory at the top of each arena's heap, and the top usually holds
    /// something still alive, so a freed rule set stayed resident (and each reload, on whichever
    /// thread was free, grew another arena to a load's peak: +30 MiB each for the first four).
    /// The trim walks every arena: 236 → 100 MiB after 10 reloads.
    public static func returnFreeMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
