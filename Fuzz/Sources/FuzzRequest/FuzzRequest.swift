import DuwtjeRules
import DuwtjeWire
import Foundation
import NIOCore
import FuzzSupport

/// The request decoder of `/v1/recommendations` and `/v1/nudges`, differentially: the fast
/// `JSONScanner` path must give exactly what the `JSONDecoder` path gives (the same request, or the
/// same error), for both endpoints. A decoded request is then answered by the shipped rules, and
/// the hand-written `AnswerWriter` must write the same bytes as the `JSONEncoder` setting it mirrors.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = FuzzInput.bytes(data, size)
    for endpoint in [RequestDecoder.Endpoint.recommendations, .nudges] {
        let fast = RequestDecoder(endpoint: endpoint, maxLimit: 20)
        var reference = fast
        reference.usesScanner = false
        let scanned = Result { () throws(RequestError) in try fast.decode(body, now: ShippedRules.now) }
        let decoded = Result { () throws(RequestError) in try reference.decode(body, now: ShippedRules.now) }
        switch (scanned, decoded) {
        case (.failure(let a), .failure(let b)):
            require(a == b, "scanner error '\(a)' but JSONDecoder error '\(b)'")
            require(!a.detail.isEmpty, "an error without a detail")
        case (.success(let a), .success(let b)):
            require(describe(a) == describe(b), "scanner read \(describe(a)) but JSONDecoder read \(describe(b))")
            answer(a, endpoint: endpoint)
        case (.success(let a), .failure(let b)):
            fatalError("fuzz invariant: scanner accepted \(describe(a)), JSONDecoder refused: \(b)")
        case (.failure(let a), .success(let b)):
            fatalError("fuzz invariant: scanner refused (\(a)), JSONDecoder accepted \(describe(b))")
        }
    }
    return 0
}

/// Every field of a request, in a fixed order (the context sorted by key).
private func describe(_ request: EvaluationRequest) -> String {
    let context = request.context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    return "\(String(describing: request.journey))|\(String(describing: request.stage))|\(String(describing: request.persona))|"
        + "\(String(describing: request.visitor))|\(request.limit)|\(request.now.timeIntervalSince1970)|\(request.explain)|\(context)"
}

private func answer(_ request: EvaluationRequest, endpoint: RequestDecoder.Endpoint) {
    let ruleSet = ShippedRules.ruleSet
    switch endpoint {
    case .recommendations:
        guard let answer = try? ruleSet.evaluate(request) else { return }
        let written = AnswerWriter.write(answer)
        let encoded = WireJSON.encode(answer)
        require(encoded == Array(written.readableBytesView),
                "AnswerWriter wrote \(String(decoding: written.readableBytesView, as: UTF8.self)), JSONEncoder \(encoded.map { String(decoding: $0, as: UTF8.self) } ?? "nothing")")
    case .nudges:
        _ = try? ruleSet.nudges(for: request)
    }
}
