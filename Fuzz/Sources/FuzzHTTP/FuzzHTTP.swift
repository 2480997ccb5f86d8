import DuwtjeWire
import NIOCore
import FuzzSupport

/// The lean transport's request framing (`HTTPRequestFramer`), differentially against itself: the
/// input framed as one piece and framed in pieces (sizes drawn from its first byte) must give the
/// same heads, bodies and failure, because the socket hands over bytes in whatever pieces the
/// kernel makes. Besides: every head is well-formed (a path starting with '/', never both a length
/// and chunks), every body has its declared length and stays within the body limit, a failure is
/// one of the statuses the daemon documents, and each call makes progress or asks for more.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    guard let first = bytes.first else { return 0 }
    let stream = Array(bytes.dropFirst())
    // The first byte: the body limit (a small one for some inputs, so 413 is reached) and the piece size.
    let bodyLimit = first & 0x80 != 0 ? Int(first & 0x3F) : Int.max
    let whole = frames(stream, pieceSize: stream.count, bodyLimit: bodyLimit)
    let pieces = frames(stream, pieceSize: Int(first & 0x0F) + 1, bodyLimit: bodyLimit)
    require(whole == pieces, "framed whole: \(whole)\nin pieces of \(Int(first & 0x0F) + 1): \(pieces)")
    return 0
}

private let limits = HTTPRequestFramer.Limits(maxHeaderBytes: 2_048, maxHeaderCount: 16)

/// What the framer makes of `stream` fed `pieceSize` bytes at a time.
private func frames(_ stream: [UInt8], pieceSize: Int, bodyLimit: Int) -> [String] {
    var framer = HTTPRequestFramer(limits: limits)
    var input = ByteBuffer()
    var seen: [String] = []
    var offset = 0
    var expectedLength: Int?
    while offset < stream.count {
        let end = min(stream.count, offset + pieceSize)
        input.writeBytes(stream[offset..<end])
        offset = end
        var calls = 0
        framing: while true {
            calls += 1
            require(calls <= 2 * stream.count + 4, "the framer returned frames without consuming input")
            let before = input.readableBytes
            switch framer.next(&input) {
            case .needMore:
                require(input.readableBytes <= before, "needMore grew the input")
                break framing
            case .head(let head):
                require(head.path.first == "/", "a head whose path does not start with '/': \(head.path)")
                require(head.endpoint == Endpoint(path: head.path), "the head's endpoint is not the table's for \(head.path)")
                require(!(head.chunked && head.contentLength != nil), "a head with both chunks and a length")
                require((head.contentLength ?? 0) >= 0, "a negative length")
                require(!head.expectsContinue || head.hasBody, "100-continue without a body")
                framer.bodyLimit = bodyLimit
                expectedLength = head.chunked ? nil : (head.contentLength ?? 0)
                seen.append("head \(head.method) \(head.target) 1.\(head.isHTTP10 ? 0 : 1) keepAlive=\(head.keepAlive) "
                    + "length=\(String(describing: head.contentLength)) chunked=\(head.chunked) continue=\(head.expectsContinue)")
            case .body(let body):
                if let expectedLength { require(body.readableBytes == expectedLength, "a body of the wrong length") }
                require(expectedLength != nil || body.readableBytes <= bodyLimit, "a chunked body over the limit")
                seen.append("body \(body.readableBytes) \(body.readableBytesView.reduce(0) { $0 &* 31 &+ Int($1) })")
            case .failure(let error):
                require([400, 413, 417, 501, 505].contains(error.status), "an undocumented status \(error.status)")
                require(!error.detail.isEmpty, "a failure without a detail")
                require(framer.next(&input) == .failure(error), "the framer did not stay failed")
                seen.append("failure \(error.status)")
                return seen
            }
        }
    }
    return seen
}
