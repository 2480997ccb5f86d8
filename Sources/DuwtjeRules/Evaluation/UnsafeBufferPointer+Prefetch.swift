import CPrefetch

extension UnsafeBufferPointer where Element == Int32 {
    /// Asks for the cache line that holds word `index` without waiting for it (``duwtje_prefetch``):
    /// a hint, which never faults and changes no value, so `index` need not be inside the buffer.
    /// The address is computed from the base's bits, without the test of an optional base that
    /// `baseAddress` would need.
    ///
    /// For the walk, which learns several addresses at once (its lists' heads once the bucket's
    /// block is read, the records once the lists' heads are) and used to wait for each line in turn.
    @_transparent
    func prefetch(_ index: Int) {
        duwtje_prefetch(UnsafeRawPointer(bitPattern: Int(bitPattern: baseAddress) &+ index &<< 2))
    }
}
