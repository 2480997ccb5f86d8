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

    /// Has glibc shrink a thread's arena once 128 KiB at its top are free, as it shrinks the main
    /// heap. Call once, before the first load.
    ///
    /// Why: glibc raises its trim threshold to twice the largest block it has unmapped (a load's
    /// arrays: megabytes), and ``returnFreeMemory()`` shrinks only the main heap's top, not the
    /// arenas': after reloads, the free tops of the parse threads' and the idle loader thread's
    /// arenas stayed resident (~1.5 MiB at 10,000 rules, issue 15). Fixing the threshold also keeps
    /// glibc's first mmap threshold, 128 KiB: larger blocks get a mapping of their own, returned
    /// whole when freed. Reload times did not change measurably (Benchmarks/README.md).
    public static func trimArenasEagerly() {
        #if canImport(Glibc)
        _ = mallopt(M_TRIM_THRESHOLD, 128 * 1024)
        #endif
    }

    /// Refills the calling thread's cache of freed chunks (glibc's tcache: up to 7 chunks of each
    /// of 64 sizes up to 1,032 bytes) with chunks taken together, and hands the ones it held back to
    /// their arena, where the next ``returnFreeMemory()`` can return their pages.
    ///
    /// Why: a thread keeps the last small chunks it freed for its next allocations, and to the arena
    /// they are in use. A loader thread's ~450 cached chunks were scattered over the arena of a rule
    /// set that had been replaced since, so each kept a page of it resident: ~2 MiB that no trim
    /// returned after reloads (issue 15). Freed first, the fresh chunks fill the cache, so the old
    /// ones go back to the arena; the fresh ones sit side by side, on a few dozen pages.
    /// Call it on a thread that is otherwise idle (``LoaderThreads``), before the trim.
    public static func renewThreadCache() {
        #if canImport(Glibc)
        // glibc's tcache bins hold chunks for requests of 24 + 16 × i bytes, i < 64, 7 of each by default.
        let sizes = (0..<64).map { 24 + 16 * $0 }
        let perSize = 7
        var cached: [UnsafeMutableRawPointer?] = []
        var fresh: [UnsafeMutableRawPointer?] = []
        cached.reserveCapacity(sizes.count * perSize)
        fresh.reserveCapacity(sizes.count * perSize)
        // The cache answers first: this takes what it holds (and, for a size it holds fewer of, some from the arena).
        for size in sizes { for _ in 0..<perSize { cached.append(malloc(size)) } }
        for size in sizes { for _ in 0..<perSize { fresh.append(malloc(size)) } }
        for pointer in fresh { free(pointer) }
        // The cache is full now: these go to their arena's bins.
        for pointer in cached { free(pointer) }
        #endif
    }
}
