/// What the daemon needs of a request's head, and nothing more: no header collection is built, the
/// framer keeps only the fields that decide framing, connection and routing (RFC 9112), and the one
/// a handler reads (`Idempotency-Key`, for `POST /v1/events`).
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token as sent (`GET`, `POST`; case-sensitive, RFC 9110 9.1).
    public var method: String
    /// The request target's path, without its query (origin-form).
    public internal(set) var path: String
    /// The endpoint at `path` (api.md), or nil for any other path: found once, by the framer.
    /// Set with the path only, so the two always agree.
    public internal(set) var endpoint: Endpoint?
    /// The query after `?`, without it; nil when the target has none.
    public var query: String?
    /// HTTP/1.0 (true) or HTTP/1.1.
    public var isHTTP10: Bool
    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`,
    /// HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// `Content-Length`, when the body is framed by it.
    public var contentLength: Int?
    /// `Transfer-Encoding: chunked`.
    public var chunked: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request with a body: the client waits for `100 Continue`.
    public var expectsContinue: Bool
    /// `Idempotency-Key` as sent (several fields joined with ", ", as RFC 9110 5.3 combines them).
    public var idempotencyKey: String?

    public init(method: String, path: String, query: String? = nil, isHTTP10: Bool = false, keepAlive: Bool = true,
                contentLength: Int? = nil, chunked: Bool = false, expectsContinue: Bool = false, idempotencyKey: String? = nil) {
        self.init(method: method, path: path, endpoint: Endpoint(path: path), query: query, isHTTP10: isHTTP10,
                  keepAlive: keepAlive, contentLength: contentLength, chunked: chunked, expectsContinue: expectsContinue,
                  idempotencyKey: idempotencyKey)
    }

    /// The framer's: `endpoint` is already known from the path's bytes.
    init(method: String, path: String, endpoint: Endpoint?, query: String? = nil, isHTTP10: Bool = false, keepAlive: Bool = true,
         contentLength: Int? = nil, chunked: Bool = false, expectsContinue: Bool = false, idempotencyKey: String? = nil) {
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.query = query
        self.isHTTP10 = isHTTP10
        self.keepAlive = keepAlive
        self.contentLength = contentLength
        self.chunked = chunked
        self.expectsContinue = expectsContinue
        self.idempotencyKey = idempotencyKey
    }

    /// Whether a body follows the head (a `Content-Length` above zero, or chunks).
    public var hasBody: Bool { chunked || (contentLength ?? 0) > 0 }

    /// The target as sent: the path and, when there is one, `?` and the query.
    public var target: String { query.map { path + "?" + $0 } ?? path }
}

/// Why a request could not be framed. Every case ends the connection after its answer: once the
/// framing is in doubt, no later byte on it can be trusted to start a request (RFC 9112 11.2).
public struct HTTPFramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The answer's status: 400 for malformed framing and exceeded header limits, 413 for a body
    /// over the limit, 417 for an expectation other than `100-continue`, 501 for a transfer coding
    /// other than `chunked`, 505 for an HTTP version other than 1.0 and 1.1.
    public var status: Int
    /// What was wrong, for the problem's `detail`.
    public var detail: String

    public init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status): \(detail)" }

    static func malformed(_ detail: String) -> HTTPFramingError { HTTPFramingError(status: 400, detail: detail) }
}
