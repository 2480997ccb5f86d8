#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One mapping of memory that holds the programs of every journey of a rule set
/// (``MatchTable/program``), one after the other, each from a cache line's start; read only once
/// they are written.
///
/// Why (issue 15, branch region19): at 100,000 rules the 200 journeys' programs are ~23 MiB in
/// 200 heap allocations, ~5,900 pages of 4 KiB, and the thousand requests of the benchmark's mix
/// read lines on thousands of them: more than a processor's second-level TLB holds (~2,000
/// entries), so many records, lists and blocks cost a page walk besides their line (which callgrind,
/// simulating no TLB, does not show). In one
/// mapping that starts on a 2 MiB boundary and is advised as huge pages (`MADV_HUGEPAGE`, which the
/// kernel's transparent huge pages honour in their `madvise` mode, this machine's, as in `always`),
/// the ~23 MiB of programs are a dozen pages: in process, the 100,000-rule median was 0.946 ± 0.012
/// of what it was without, the 100-rule one unchanged (Benchmarks/README.md, region19).
///
/// Where the kernel has no transparent huge pages (`never`), or gives none, the region is ordinary
/// pages and nothing else changes. A region of less than ``hugePageBytes`` is not aligned: it could
/// not hold a huge page.
///
/// The address is kept as an integer: the region is written once, in ``init(words:fill:)``, before it is
/// shared, and only read afterwards (the kernel refuses writes once it is filled, `PROT_READ`).
final class WordRegion: Sendable {
    /// The huge page size of x86-64 and of arm64 with 4 KiB pages: the alignment that lets the
    /// kernel back the region with huge pages. A wrong guess costs only the alignment.
    static let hugePageBytes = 2 << 20

    /// The address of word 0 (a multiple of ``hugePageBytes`` when the region is at least that large).
    private let address: Int
    /// The mapped bytes from `address` (whole pages).
    private let byteCount: Int

    /// Maps a region, fills it with `fill` (called once, with every word of the region, zeroed) and
    /// makes it read only. Nil when the system refuses the mapping (then the caller keeps its arrays).
    init?(words: Int, fill: (UnsafeMutableBufferPointer<Int32>) -> Void) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = Swift.max(page, (words * MemoryLayout<Int32>.stride + page - 1) / page * page)
        let huge = bytes >= Self.hugePageBytes
        // Room to move the start to a huge page boundary; what is left over either side is unmapped.
        let mapped = huge ? bytes + Self.hugePageBytes : bytes
        // `MAP_FAILED`, a cast in C, is not imported: it is the address -1.
        guard let raw = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        var start = Int(bitPattern: raw)
        if huge {
            let aligned = (start + Self.hugePageBytes - 1) / Self.hugePageBytes * Self.hugePageBytes
            if aligned > start { munmap(raw, aligned - start) }
            let end = aligned + bytes
            let mappedEnd = start + mapped
            if mappedEnd > end { munmap(UnsafeMutableRawPointer(bitPattern: end), mappedEnd - end) }
            start = aligned
            #if os(Linux)
            // Advice only: refused (no THP in this kernel), the region is ordinary pages.
            _ = madvise(UnsafeMutableRawPointer(bitPattern: start), bytes, MADV_HUGEPAGE)
            #endif
        }
        address = start
        byteCount = bytes
        let wordCount = bytes / MemoryLayout<Int32>.stride
        let base = (raw + (start - Int(bitPattern: raw))).bindMemory(to: Int32.self, capacity: wordCount)
        fill(UnsafeMutableBufferPointer(start: base, count: wordCount))
        _ = mprotect(UnsafeMutableRawPointer(bitPattern: start), bytes, PROT_READ)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(bitPattern: address), byteCount)
    }

    /// The address of the word at `offset` (as ``MatchTable`` keeps it: the table holds the region).
    func address(ofWord offset: Int) -> Int {
        address &+ offset &* MemoryLayout<Int32>.stride
    }

    /// How many bytes the region maps (for tests and figures).
    var mappedBytes: Int { byteCount }
}
