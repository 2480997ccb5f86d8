import Synchronization

/// A nudge candidate as admission offers it to the caps in one call
/// (``CapStore/admitFirstWithoutWaiting(visitor:now:count:offer:id:)``): only what a store compares
/// and counts by, all of it trivially copyable. The id itself is asked for separately, only where a
/// store must compare it (a hash that matches) or keep it (a nudge the visitor has not met).
///
/// Trivially copyable on purpose (measured, issue 15): a candidate handed over as a struct holding
/// the id and the rule's references was copied and destroyed through generic `Optional` code, ~590
/// instructions an admission, more than one call instead of one a candidate saved (branch admit11).
public struct NudgeOffer: Sendable {
    /// ``idHash(of:)`` of the nudge's id, made once when the rule set compiles.
    public var idHash: UInt64
    /// A number no other compiled nudge of this process has, never reused (0: none): equal serials are
    /// the same nudge, so a store that keeps the serial it last saw beside an id finds the nudge
    /// again without asking for its id. A reload compiles nudges with new serials; their ids are then
    /// compared once (the hashes match) and the new serial kept.
    public var serial: UInt64
    /// The cap to admit the nudge under; nil when no cap counts (the nudge is served unless the
    /// visitor dismissed it).
    public var cap: Cap?

    public init(idHash: UInt64, serial: UInt64 = 0, cap: Cap?) {
        self.idHash = idHash
        self.serial = serial
        self.cap = cap
    }

    /// The serials handed out (see ``serial``).
    private static let serials = Atomic<UInt64>(0)

    /// A new ``serial``, for a nudge being compiled.
    static func nextSerial() -> UInt64 {
        serials.add(1, ordering: .relaxed).newValue
    }

    /// The hash of a nudge id's UTF-8 bytes: the same in every process and rule set (no seed), so that
    /// showings kept across reloads, or read back from a store by id, are found by the hash of the id
    /// made again. Ids are ASCII (`^[a-z0-9][a-z0-9._-]{0,63}$`), so equal bytes are equal ids.
    /// Not resistant to chosen keys: a store compares the ids whenever the hashes match, and uses it
    /// only to tell a visitor's few nudges apart, never to spread keys over a table.
    public static func idHash(of id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            return WordHash.mix(raw, into: UInt64(truncatingIfNeeded: raw.count) &* 0x9E37_79B9_7F4A_7C15).hash
        }
    }
}
