/// An error answer in RFC 9457 `application/problem+json`: what went wrong, in a shape every
/// HTTP client library can show, with `field` naming the request field at fault when there is one.
///
/// `type` values are URNs (`urn:duwtje:problem:unknown-field`): stable identifiers clients can
/// switch on, with no promise of a page behind them (docs/api.md lists them).
public struct Problem: Error, Sendable, Encodable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The request field at fault (`limit`, `context.page`), an extension member.
    public var field: String?
    /// The path asked for.
    public var instance: String?
    /// Every mistake found, when there can be several (an event batch is checked whole), an
    /// extension member.
    public var errors: [Mistake]?
    /// For 405: the methods the path takes, sent as the `Allow` header (not in the body).
    public var allow: String?
    /// For 503: the seconds after which to try again, sent as the `Retry-After` header (not in the body).
    public var retryAfter: Int?

    /// One mistake of several: which item (0-based), which field, the value at fault, what to fix.
    public struct Mistake: Sendable, Encodable, Equatable {
        public var index: Int?
        public var field: String?
        public var value: String?
        public var detail: String

        public init(index: Int? = nil, field: String? = nil, value: String? = nil, detail: String) {
            self.index = index
            self.field = field
            self.value = value
            self.detail = detail
        }
    }

    public init(slug: String, title: String, status: Int, detail: String, field: String? = nil, instance: String? = nil,
                errors: [Mistake]? = nil) {
        self.type = "urn:duwtje:problem:" + slug
        self.title = title
        self.status = status
        self.detail = detail
        self.field = field
        self.instance = instance
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, field, instance, errors }

    /// The slug of `type` (`unknown-field`), the label metrics use.
    public var reason: String { String(type.dropFirst("urn:duwtje:problem:".count)) }

    /// The `application/problem+json` body: the one way a problem is written, sorted keys like
    /// every other answer.
    public var body: [UInt8] {
        WireJSON.encode(self) ?? Array("{\"status\":\(status)}".utf8)
    }

    public static func badRequest(_ error: RequestError, path: String) -> Problem {
        let title: String
        switch error.kind {
        case .malformedJSON: title = "Malformed JSON"
        case .wrongType: title = "Wrong type"
        case .unknownField: title = "Unknown field"
        case .invalidValue: title = "Invalid value"
        }
        return Problem(slug: error.kind.rawValue, title: title, status: 400, detail: error.detail, field: error.field,
                       instance: path)
    }

    public static func notFound(path: String, detail: String? = nil) -> Problem {
        Problem(slug: "not-found", title: "Not found", status: 404,
                detail: detail ?? "no endpoint at '\(path)'; the endpoints are listed in docs/api.md", instance: path)
    }

    public static func methodNotAllowed(path: String, method: String, allowed: String) -> Problem {
        var problem = Problem(slug: "method-not-allowed", title: "Method not allowed", status: 405,
                              detail: "\(path) takes \(allowed), not \(method)", instance: path)
        problem.allow = allowed
        return problem
    }

    /// - Parameter setting: the configuration setting that sets `limit`, named so the operator can
    ///   find it (`limits.max_body_bytes`, or `events.max_body_bytes` for `/v1/events`).
    public static func bodyTooLarge(path: String, limit: Int, setting: String = "limits.max_body_bytes") -> Problem {
        Problem(slug: "body-too-large", title: "Body too large", status: 413,
                detail: "the body is over the limit of \(limit) bytes (\(setting)); send a smaller request",
                instance: path)
    }

    /// - Parameter path: the path of the request that did not arrive whole, when its request line did.
    public static func requestTimeout(limit: Duration, path: String?) -> Problem {
        Problem(slug: "request-timeout", title: "Request timeout", status: 408,
                detail: "the request was not complete within \(limit.components.seconds)s (limits.request_timeout); send it whole, at once",
                instance: path)
    }

    /// 422 for an event batch whose idempotency key the store remembers with other events: the
    /// client reused a key for a new batch (a retry must send the same events). Nothing is stored.
    public static func batchKeyReused(key: String, path: String) -> Problem {
        Problem(slug: "batch-key-reused", title: "Batch key reused", status: 422,
                detail: "batch '\(key)' was stored earlier with other events; a retry must send the same events, a new batch needs a new key; nothing was stored",
                field: "batch", instance: path)
    }

    public static func internalError(path: String) -> Problem {
        Problem(slug: "internal", title: "Internal error", status: 500,
                detail: "the daemon could not answer this request; its log says why", instance: path)
    }
}
