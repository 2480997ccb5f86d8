/// A multiplicative hash of bytes read eight at a time, for tables whose keys are short texts: the
/// request's ids (``IDTable``) and the visitors of the cap store's index. SipHash, `Hasher`'s, took
/// several times as many instructions for an id of a few bytes.
///
/// Not resistant to chosen keys: a table fed keys that someone could choose must watch its probe
/// lengths (the cap index falls back to SipHash).
package enum WordHash {
    /// The bytes mixed into `state`, eight at a time (the last word overlapping the one before it;
    /// fewer than eight read as one word in two or three overlapping loads: copying them into a word
    /// was a `memcpy` call, ~25 instructions of a lookup of ~90), and whether they are all ASCII.
    /// The caller puts the count into `state` (the short loads do not tell "ab" from "aab" alone).
    @inlinable @inline(__always)
    package static func mix(_ raw: UnsafeRawBufferPointer, into state: UInt64) -> (hash: UInt64, ascii: Bool) {
        let count = raw.count
        var hash = state
        var seen: UInt64 = 0
        func mix(_ word: UInt64) {
            seen |= word
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash &>> 29
        }
        if count >= 8 {
            var offset = 0
            while offset &+ 8 <= count {
                mix(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset &+= 8
            }
            if offset < count { mix(raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)) }
        } else if count >= 4 {
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
            mix(low | high &<< 32)
        } else if count > 0 {
            mix(UInt64(raw[0]) | UInt64(raw[count &>> 1]) &<< 8 | UInt64(raw[count &- 1]) &<< 16)
        }
        return (hash, seen & 0x8080_8080_8080_8080 == 0)
    }
}
