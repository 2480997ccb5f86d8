import Crypto
import DuwtjeRules
@testable import DuwtjeStore
import Foundation
import Testing

/// The visitor's keyed hash is what caps and dismissals are stored under: a change of its bytes would
/// silently reset every cap and forget every dismissal after an upgrade.
@Suite("Visitor hashing")
struct VisitorHasherTests {
    @Test("the hash is HMAC-SHA256 of the id's UTF-8 bytes (RFC 4231, test case 2), and its cap key the lower-case hex")
    func knownAnswer() {
        let hasher = VisitorHasher(key: SymmetricKey(data: Array("Jefe".utf8)))
        let hash = hasher.hash("what do ya want for nothing?")
        #expect(DurableCapStore.key(hash) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("copies of the keyed HMAC give what the one-shot HMAC gives, for any id, many times over")
    func sameAsOneShot() {
        let key = SymmetricKey(size: .bits256)
        let hasher = VisitorHasher(key: key)
        for visitor in ["", "v", "bezoeker-42", "één ñ 🙂", String(repeating: "x", count: 200), "v"] {
            let expected = Array(HMAC<SHA256>.authenticationCode(for: Data(visitor.utf8), using: key))
            #expect(hasher.hash(visitor) == expected, "visitor \(visitor.debugDescription)")
        }
    }

    @Test("hex of every byte value, from an array and from a sequence without contiguous storage")
    func hex() {
        let all = (0...255).map(UInt8.init)
        let expected = all.map { String(format: "%02x", $0) }.joined()
        #expect(Hex.string(all) == expected)
        #expect(Hex.string(all.lazy.map { $0 }) == expected)
        #expect(Hex.string([UInt8]()) == "")
    }
}
