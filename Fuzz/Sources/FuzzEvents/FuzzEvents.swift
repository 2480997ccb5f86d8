import DuwtjeRules
import DuwtjeWire
import FuzzSupport

/// The event-batch decoder of `POST /v1/events` against the shipped rules: a batch is stored whole
/// or refused whole, so an accepted batch must count every one of its events (an event that is
/// acknowledged but not counted is lost), and a refusal must be a problem a client can act on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = FuzzInput.bytes(data, size)
    do {
        let batch = try EventBatch.decode(body, ruleSet: ShippedRules.ruleSet, maxBatch: 500, retentionDays: 400,
                                          now: ShippedRules.now)
        let counted = batch.counts.values.reduce(0, +)
        require(counted == batch.count, "accepted \(batch.count) events but counted \(counted)")
        require(batch.counts.values.allSatisfy { $0 > 0 }, "a count of zero or less")
    } catch {
        require([400, 413, 422].contains(error.status), "status \(error.status) for a refused batch")
        require(!error.detail.isEmpty && error.type.hasPrefix("urn:duwtje:problem:"), "a refusal without a detail or type")
        require(!error.body.isEmpty, "a problem with no body")
    }
    return 0
}
