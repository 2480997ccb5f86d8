/// What a store remembers of an event batch that came with an idempotency key (docs/api.md,
/// "Decision: `POST /v1/events`"): the key, a digest of its events and the answer it was given.
/// It is written in the same commit as the batch's counts, so a key is remembered exactly when its
/// counts are stored, and a retry under the key is answered as the first was and counts nothing.
public struct BatchReceipt: Sendable, Equatable {
    /// The client's key (the body's `batch` or the `Idempotency-Key` header).
    public var key: String
    /// SHA-256 of the batch's events (`BatchKey.digest(of:)`): a retry must match it.
    public var digest: [UInt8]
    /// The body of the 202 the batch was given, given again to a retry.
    public var answer: [UInt8]

    public init(key: String, digest: [UInt8], answer: [UInt8]) {
        self.key = key
        self.digest = digest
        self.answer = answer
    }

    /// How long a key is remembered: 24 hours, far longer than any client retries a batch (a client
    /// gives up within minutes, a queue behind a website within hours), and short enough that the
    /// keys of a busy site stay a small table. A key older than this is a new batch. Expired keys
    /// are deleted in the commit that writes new ones, not by a timer.
    public static let keptFor: Double = 86_400

    /// What became of a batch in its group commit.
    public enum Outcome: Sendable, Equatable {
        /// Counted (with its key remembered, when it had one).
        case stored
        /// Its key was remembered with the same events: nothing counted; answer as the first time.
        case replayed(answer: [UInt8])
        /// Its key was remembered with other events: nothing counted (422).
        case keyReused
    }

    /// The outcome of each batch of one group commit, in order. `remembered` tells what the store
    /// already holds under a key (nil: nothing that is still kept, so this batch claims the key);
    /// a key repeated within the group is compared with its first batch, which is stored or not in
    /// the same commit: a repeat is never acknowledged before the batch it repeats is durable.
    static func outcomes<Failure: Error>(
        of receipts: [BatchReceipt?], remembered: (String) throws(Failure) -> (digest: [UInt8], answer: [UInt8])?
    ) throws(Failure) -> [Outcome] {
        var known: [String: (digest: [UInt8], answer: [UInt8])] = [:]
        var result: [Outcome] = []
        result.reserveCapacity(receipts.count)
        for receipt in receipts {
            guard let receipt else {
                result.append(.stored)
                continue
            }
            var earlier = known[receipt.key]
            if earlier == nil { earlier = try remembered(receipt.key) }
            if let earlier {
                known[receipt.key] = earlier
                result.append(earlier.digest == receipt.digest ? .replayed(answer: earlier.answer) : .keyReused)
            } else {
                known[receipt.key] = (receipt.digest, receipt.answer)
                result.append(.stored)
            }
        }
        return result
    }
}
