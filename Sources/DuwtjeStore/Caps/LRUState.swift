import CPrefetch
import DuwtjeRules

/// A least-recently-used map from visitor to their showings, for ``MemoryCapStore``: the nodes are a
/// doubly linked list in an array, found by visitor through an open-addressing table of their
/// positions.
///
/// The table is its own, not a `[String: Int]`: a `Dictionary` hashed the visitor with SipHash through
/// `String`'s hashing (~390 instructions an admission, a third of admitting a nudge), hashed an
/// evicted visitor again to remove it and every visitor again when it grew. Here a visitor is hashed
/// once per admission with a cheap multiplicative hash of its UTF-8 bytes under a seed random per
/// store, and the hash is kept in its node for removal and growth. In the daemon the visitor is
/// already a keyed hash (HMAC-SHA256, ``VisitorHasher``), which nobody without the secret can steer;
/// for ids from elsewhere, a probe sequence longer than ``longestProbe`` (which a random table of
/// this load does not reach) switches the table to SipHash with the process's seed, so chosen ids
/// cannot make admissions long searches.
///
/// Visitors are told apart by their bytes (as the durable stores' HMAC does): two ids are the same
/// visitor exactly when their UTF-8 is the same, whatever their hashes. (A `Dictionary` also merged
/// ids that are canonically equivalent as Unicode but differ in their bytes.)
struct LRUState: Sendable {
    struct Node: Sendable {
        var visitor: String
        /// The visitor's hash under the table's ``Hashing``: where it is looked for, kept for
        /// removal and growth.
        var hash: UInt64
        var showings: NudgeShowings
        /// The links, as `Int32`s (a store holds at most 2^30 visitors): with the times' count and
        /// earliest further time in place (``ShowingTimes``) a node stays 128 bytes.
        private var previousLink: Int32
        private var nextLink: Int32

        init(visitor: String, hash: UInt64, showings: NudgeShowings, previous: Int, next: Int) {
            self.visitor = visitor
            self.hash = hash
            self.showings = showings
            previousLink = Int32(truncatingIfNeeded: previous)
            nextLink = Int32(truncatingIfNeeded: next)
        }

        var previous: Int {
            get { Int(previousLink) }
            set { previousLink = Int32(truncatingIfNeeded: newValue) }
        }

        var next: Int {
            get { Int(nextLink) }
            set { nextLink = Int32(truncatingIfNeeded: newValue) }
        }
    }

    /// How a visitor's bytes are hashed for the table.
    enum Hashing: Sendable {
        /// The multiplicative hash under a seed.
        case multiplicative(seed: UInt64)
        /// SipHash with the process's seed (`Hasher`), after a probe sequence ran too long.
        case sip
        /// One hash for every visitor, for tests: every visitor collides (until the first long
        /// probe sequence switches to SipHash, as for chosen ids).
        case constant

        var isSip: Bool {
            if case .sip = self { true } else { false }
        }
    }

    /// The most visitors a store holds: node positions are `Int32`s in the table.
    static let largestCapacity = 1 << 30
    /// A probe sequence longer than this switches the table to SipHash (see the type's comment). At
    /// the table's load (at most a half) a random table of a million visitors has sequences of ~30.
    static let longestProbe = 100

    let capacity: Int
    private(set) var nodes: [Node] = []
    /// Open addressing with linear probing: a node's position, or -1 for an empty slot.
    private var slots: [Int32]
    /// 64 minus the number of bits of a slot index (a hash's slot is its top bits).
    private var shift: Int
    private(set) var hashing: Hashing
    /// Most recently used.
    var head = -1
    /// Least recently used.
    var tail = -1
    /// Visitors forgotten to make room.
    var evictions = 0

    init(capacity: Int, hashing: Hashing? = nil) {
        self.capacity = capacity
        self.hashing = hashing ?? .multiplicative(seed: UInt64.random(in: .min ... .max))
        slots = [Int32](repeating: -1, count: 16)
        shift = 64 - 4
    }

    /// How many visitors are remembered (a forgotten visitor's node is reused for the next).
    var count: Int { nodes.count }

    /// What ``withShowings(of:absent:_:)`` does with a visitor it does not remember.
    enum Absent {
        /// Leaves them out: nothing changes and the result is nil.
        case skip
        /// Adds them without showings. (An empty dictionary for this was made, retained and released
        /// on every admission, remembered visitor or not.)
        case add
        /// Adds them with these showings: nudge → times, read from a store.
        case restore([String: [Double]])
    }

    /// Runs `body` on the showings of `visitor`, made most recently used. A visitor not remembered is
    /// added (the least recently used is forgotten when full) or left out, as `absent` says.
    mutating func withShowings<R>(of visitor: String, absent: Absent, _ body: (inout NudgeShowings) -> R) -> R? {
        guard let node = node(of: visitor, absent: absent) else { return nil }
        return body(&nodes[node].showings)
    }

    /// Runs `body` on the showings of the node at `node` (from ``node(of:absent:)``, with nothing
    /// added or forgotten since).
    @inline(__always)
    mutating func withShowings<R>(at node: Int, _ body: (inout NudgeShowings) -> R) -> R {
        body(&nodes[node].showings)
    }

    /// ``NudgeShowings/refuses(serial:max:windowStart:)`` of the node at `node`, read only.
    @inline(__always)
    func refuses(at node: Int, serial: UInt64, max: Int, windowStart: Double) -> Bool {
        nodes.withUnsafeBufferPointer { $0[node].showings.refuses(serial: serial, max: max, windowStart: windowStart) }
    }

    /// The node of `visitor`, made most recently used: found, or added (the least recently used is
    /// forgotten when full) or left out (nil), as `absent` says. Valid until the next visitor is added.
    mutating func node(of visitor: String, hint: VisitorHint = .none, absent: Absent) -> Int? {
        // The hash ``prefetch(_:)`` made, when made under the present hashing.
        var hash = hint.isSet && hint.key == hintKey ? hint.hash : self.hash(of: visitor)
        var found = find(visitor, hash: hash)
        if found.probes > Self.longestProbe, !hashing.isSip {
            switchToSipHash()
            hash = self.hash(of: visitor)
            found = find(visitor, hash: hash)
        }
        if let existing = found.node {
            moveToFront(existing)
            return existing
        }
        let restoring: [String: [Double]]
        switch absent {
        case .skip: return nil
        case .add: restoring = [:]
        case .restore(let showings): restoring = showings
        }
        let node: Int
        if nodes.count < capacity {
            node = nodes.count
            nodes.append(Node(visitor: visitor, hash: hash, showings: NudgeShowings(restoring), previous: -1, next: -1))
            if nodes.count * 2 > slots.count {
                grow()
            } else {
                slots[found.slot] = Int32(truncatingIfNeeded: node)
            }
        } else {
            node = tail
            unlink(node)
            remove(node)
            nodes[node].visitor = visitor
            nodes[node].hash = hash
            nodes[node].showings = NudgeShowings(restoring)
            insert(node)
            evictions += 1
        }
        pushFront(node)
        return node
    }

    /// Starts the loads of `visitor`'s lines without waiting for them (see
    /// ``MemoryCapStore/prefetch(visitor:)``): the slot its hash is looked for first and the
    /// node it names, or nothing when the slot is empty. The slot is read (a demand load), the
    /// node only prefetched; a visitor further along its probe sequence, or one not remembered,
    /// gets the wrong node's lines, which costs nothing but the bandwidth. Changes nothing; returns
    /// the hash for the admission that follows (``node(of:hint:absent:)``).
    func prefetch(_ visitor: String) -> VisitorHint {
        let hash = hash(of: visitor)
        prefetchLines(firstSlot(hash))
        return hintKey == 0 ? .none : VisitorHint(hash: hash, key: hintKey)
    }

    /// The mark of a ``VisitorHint`` made under the present hashing: the multiplicative hash's seed
    /// (random per store), 0 (no hint) under another hashing.
    private var hintKey: UInt64 {
        if case .multiplicative(let seed) = hashing { seed } else { 0 }
    }

    private func prefetchLines(_ slot: Int) {
        slots.withUnsafeBufferPointer { slots in
            guard slot < slots.count else { return }
            let node = Int(slots[slot])
            guard node >= 0 else { return }
            nodes.withUnsafeBufferPointer { nodes in
                guard node < nodes.count, let base = nodes.baseAddress else { return }
                let start = UnsafeRawPointer(base + node)
                duwtje_prefetch(start)
                // A node is ~128 bytes (its first nudge's showings in place): up to three lines.
                duwtje_prefetch(start + 64)
                duwtje_prefetch(start + (MemoryLayout<Node>.size - 1))
            }
        }
    }

    // MARK: - The table

    /// The visitor's hash under ``hashing``.
    func hash(of visitor: String) -> UInt64 {
        switch hashing {
        case .multiplicative(let seed):
            return visitor.utf8.withContiguousStorageIfAvailable { Self.multiplicativeHash(UnsafeRawBufferPointer($0), seed: seed) }
                ?? Self.multiplicativeHash(Array(visitor.utf8), seed: seed)
        case .sip:
            var hasher = Hasher()
            if visitor.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
                for byte in visitor.utf8 { hasher.combine(byte) }
            }
            return UInt64(truncatingIfNeeded: hasher.finalize())
        case .constant:
            return 0
        }
    }

    private static func multiplicativeHash(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        bytes.withUnsafeBytes { multiplicativeHash($0, seed: seed) }
    }

    /// The bytes mixed as ``IDTable`` hashes ids (``WordHash``), from a seed of this store's, then
    /// finished so that every bit of the visitor reaches the low bits the table takes.
    @inline(__always)
    private static func multiplicativeHash(_ raw: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var hash = WordHash.mix(raw, into: seed ^ UInt64(truncatingIfNeeded: raw.count) &* 0x9E37_79B9_7F4A_7C15).hash
        hash = (hash ^ (hash &>> 32)) &* 0xD6E8_FEB8_6659_FD93
        return hash ^ (hash &>> 32)
    }

    /// Whether two visitors are the same: the same UTF-8 bytes, compared a word at a time (the
    /// visitors this is asked about have the same hash, so they nearly always are).
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        let compared = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in sameBytes(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) }
        }
        if let compared = compared ?? nil { return compared }
        return a.utf8.elementsEqual(b.utf8)
    }

    @inline(__always)
    private static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let count = a.count
        guard count == b.count else { return false }
        if count < 8 {
            for index in 0..<count where a[index] != b[index] { return false }
            return true
        }
        var offset = 0
        while offset &+ 8 <= count {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset &+= 8
        }
        return offset == count
            || a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
    }

    /// The slot a hash is looked for first: its top bits.
    @inline(__always)
    private func firstSlot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash &>> UInt64(shift))
    }

    /// The node of `visitor` (nil when it is not in the table), the slot where it is or would go,
    /// and how many slots were read.
    private func find(_ visitor: String, hash: UInt64) -> (node: Int?, slot: Int, probes: Int) {
        let mask = slots.count &- 1
        var slot = firstSlot(hash)
        var probes = 1
        while true {
            let node = Int(slots[slot])
            if node < 0 { return (nil, slot, probes) }
            if nodes[node].hash == hash, Self.sameBytes(nodes[node].visitor, visitor) { return (node, slot, probes) }
            slot = (slot &+ 1) & mask
            probes &+= 1
        }
    }

    /// Puts the node at `node` into the table by its hash (it must not be there).
    private mutating func insert(_ node: Int) {
        let mask = slots.count &- 1
        var slot = firstSlot(nodes[node].hash)
        while slots[slot] >= 0 { slot = (slot &+ 1) & mask }
        slots[slot] = Int32(truncatingIfNeeded: node)
    }

    /// Takes the node at `node` out of the table, moving back the entries after it that would no
    /// longer be found (backward-shift deletion: no tombstones, so a lookup's sequence never grows
    /// with churn).
    private mutating func remove(_ node: Int) {
        let mask = slots.count &- 1
        var hole = firstSlot(nodes[node].hash)
        while Int(slots[hole]) != node { hole = (hole &+ 1) & mask }
        var slot = hole
        while true {
            slot = (slot &+ 1) & mask
            let moved = Int(slots[slot])
            if moved < 0 { break }
            let home = firstSlot(nodes[moved].hash)
            // The entry stays when its home is cyclically in (hole, slot]: it is still found from there.
            let stays = hole <= slot ? (hole < home && home <= slot) : (hole < home || home <= slot)
            if stays { continue }
            slots[hole] = slots[slot]
            hole = slot
        }
        slots[hole] = -1
    }

    /// Doubles the table and puts every node back.
    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        shift -= 1
        for node in nodes.indices { insert(node) }
    }

    /// Hashes every visitor again with SipHash and rebuilds the table.
    mutating func switchToSipHash() {
        hashing = .sip
        for node in nodes.indices { nodes[node].hash = hash(of: nodes[node].visitor) }
        slots = [Int32](repeating: -1, count: slots.count)
        for node in nodes.indices { insert(node) }
    }

    // MARK: - The list

    /// The visitors from the most recently used to the least (for tests: the order the store
    /// forgets them in, from the back).
    var visitorsByRecency: [String] {
        var order: [String] = []
        var node = head
        while node >= 0 {
            order.append(nodes[node].visitor)
            node = nodes[node].next
        }
        return order
    }

    mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous
        let next = nodes[slot].next
        if previous >= 0 { nodes[previous].next = next } else { head = next }
        if next >= 0 { nodes[next].previous = previous } else { tail = previous }
        nodes[slot].previous = -1
        nodes[slot].next = -1
    }

    /// ``unlink(_:)`` then ``pushFront(_:)`` in one access to the nodes: each change of a node
    /// through the array's subscript checked that the array is not shared, six times an admission.
    mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        let oldHead = head
        let newTail: Int? = slot == tail ? nodes[slot].previous : nil
        nodes.withUnsafeMutableBufferPointer { nodes in
            let previous = nodes[slot].previous  // not -1: the node is not the head
            let next = nodes[slot].next
            nodes[previous].next = next
            if next >= 0 { nodes[next].previous = previous }
            nodes[slot].previous = -1
            nodes[slot].next = oldHead
            nodes[oldHead].previous = slot
        }
        head = slot
        if let newTail { tail = newTail }
    }

    mutating func pushFront(_ slot: Int) {
        nodes[slot].next = head
        nodes[slot].previous = -1
        if head >= 0 { nodes[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}
