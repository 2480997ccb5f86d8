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
    /// For 405: the methods the path takes, sent as the `Allow` header (not in the body).
    public var allow: String?

    public init(slug: String, title: String, status: Int, detail: String, field: String? = nil, instance: String? = nil) {
        self.type = "urn:duwtje:problem:" + slug
        self.title = title
        self.status = status
        self.detail = detail
        self.field = field
        self.instance = instance
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, field, instance }

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

    public static func bodyTooLarge(path: String, limit: Int) -> Problem {
        Problem(slug: "body-too-large", title: "Body too large", status: 413,
                detail: "the body is over the limit of \(limit) bytes (limits.max_body_bytes); send a smaller request",
                instance: path)
    }

    public static func requestTimeout(limit: Duration) -> Problem {
        Problem(slug: "request-timeout", title: "Request timeout", status: 408,
                detail: "the request was not complete within \(limit.components.seconds)s (limits.request_timeout); send it whole, at once")
    }

    public static func internalError(path: String) -> Problem {
        Problem(slug: "internal", title: "Internal error", status: 500,
                detail: "the daemon could not answer this request; its log says why", instance: path)
    }
}
