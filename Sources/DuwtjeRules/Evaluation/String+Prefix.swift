extension String {
    /// `hasPrefix(prefix)`, answered from the UTF-8 bytes when they decide it, which they do for
    /// ASCII (nearly every id and value): `hasPrefix` compares `Character`s under canonical
    /// equivalence, finding grapheme boundaries on the way, ~150 instructions for a short id, where
    /// the bytes take a few dozen. Anything the bytes cannot decide goes to `hasPrefix`.
    func hasPrefixComparingBytes(_ prefix: String) -> Bool {
        let decided = utf8.withContiguousStorageIfAvailable { text in
            prefix.utf8.withContiguousStorageIfAvailable { prefix in
                Self.asciiPrefix(UnsafeRawBufferPointer(text), UnsafeRawBufferPointer(prefix))
            }
        }
        if let decided = decided ?? nil, let answer = decided { return answer }
        return hasPrefix(prefix)
    }

    /// Whether `text` starts with `prefix` as `Character`s, or nil when the bytes do not say (never
    /// when both are ASCII).
    ///
    /// An ASCII `prefix` whose bytes begin `text` is its prefix when the next byte of `text` (if
    /// any) starts a new grapheme: an ASCII byte does, except a line feed after a carriage return
    /// (one `Character`); a byte past ASCII may be a combining mark, so `hasPrefix` decides. Where
    /// the bytes differ, an ASCII byte of `text` means a different `Character` there (an ASCII
    /// `Character` is canonically equivalent to no other ASCII one, and a cluster that starts with
    /// a different ASCII scalar decomposes to a different first scalar); a byte past ASCII might be
    /// a canonical equivalent of the prefix's (the Kelvin sign is `K`), so `hasPrefix` decides.
    ///
    /// Raw bytes, so that a prefix kept in another type's storage (the match table's program words)
    /// is read where it lies.
    static func asciiPrefix(_ text: UnsafeRawBufferPointer, _ prefix: UnsafeRawBufferPointer) -> Bool? {
        let count = prefix.count
        let compared = Swift.min(count, text.count)
        if compared >= 8 {
            // Eight bytes at a time (the last word overlapping the one before): a word of the prefix
            // past ASCII is left to `hasPrefix` whole, which is always allowed.
            var offset = 0
            while true {
                let at = Swift.min(offset, compared &- 8)
                let expected = UInt64(littleEndian: prefix.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                if expected & 0x8080_8080_8080_8080 != 0 { return nil }
                let word = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                let difference = word ^ expected
                if difference != 0 {
                    // The first byte that differs (the bytes before it are the same, and ASCII).
                    let byte = UInt8(truncatingIfNeeded: word &>> UInt64(difference.trailingZeroBitCount & ~7))
                    return byte >= 0x80 ? nil : false
                }
                if at == compared &- 8 { break }
                offset &+= 8
            }
        } else {
            for index in 0..<compared {
                let expected = prefix[index]
                if expected >= 0x80 { return nil }
                let byte = text[index]
                if byte != expected { return byte >= 0x80 ? nil : false }
            }
        }
        // `text` ended first: it is all ASCII, the prefix's bytes, so it has fewer `Character`s.
        if compared < count { return false }
        if count == text.count { return true }
        let next = text[count]
        if next >= 0x80 { return nil }
        return !(count > 0 && prefix[count &- 1] == 0x0D && next == 0x0A)
    }
}
