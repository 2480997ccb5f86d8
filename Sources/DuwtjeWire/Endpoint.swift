#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The endpoint table of api.md: the one list the router, the metrics labels and the `Allow`
/// headers are derived from, so that adding an endpoint is one new case here.
public enum Endpoint: Int, CaseIterable, Sendable {
    case recommendations
    case nudges
    case journeys
    case status
    case healthz
    case readyz
    case metrics
    case events
    case report
    /// The contract, docs/openapi.yaml as JSON (``OpenAPIDocument``).
    case openapi

    /// The request path, exactly as it must be sent.
    public var path: String {
        switch self {
        case .recommendations: return "/v1/recommendations"
        case .nudges: return "/v1/nudges"
        case .journeys: return "/v1/journeys"
        case .status: return "/v1/status"
        case .healthz: return "/healthz"
        case .readyz: return "/readyz"
        case .metrics: return "/metrics"
        case .events: return "/v1/events"
        case .report: return "/v1/report"
        case .openapi: return "/v1/openapi.json"
        }
    }

    /// The one method the endpoint answers (also the `Allow` header of its 405).
    public var method: String {
        switch self {
        case .recommendations, .nudges, .events: return "POST"
        case .journeys, .status, .healthz, .readyz, .metrics, .report, .openapi: return "GET"
        }
    }

    /// What the diagnostics listener (`diagnostics.listen`, TCP) serves: a monitor's needs, never the API.
    public static let diagnostics: Set<Endpoint> = [.metrics, .healthz, .readyz]

    /// The `Allow` header of a 405: a GET endpoint also answers HEAD (the same headers, no body).
    public var allowed: String { method == "GET" ? "GET, HEAD" : method }

    /// Whether a request with `method` is answered here: the endpoint's method, or HEAD for a GET one.
    public func accepts(_ method: String) -> Bool {
        method == self.method || (method == "HEAD" && self.method == "GET")
    }

    /// The `endpoint` label of the request metrics.
    public var label: String {
        switch self {
        case .recommendations: return "recommendations"
        case .nudges: return "nudges"
        case .journeys: return "journeys"
        case .status: return "status"
        case .healthz: return "healthz"
        case .readyz: return "readyz"
        case .metrics: return "metrics"
        case .events: return "events"
        case .report: return "report"
        case .openapi: return "openapi"
        }
    }

    /// The endpoint whose path is `bytes` (a request target's path as received), or nil: found
    /// without making a `String` or hashing (the framer, ``HTTPRequestHead/endpoint``, and
    /// ``init(path:)`` both look paths up here).
    static func matching(_ bytes: UnsafeRawBufferPointer) -> Endpoint? {
        // The lengths tell most apart before a byte is compared.
        guard let base = bytes.baseAddress else { return nil }
        for (index, path) in pathBytes.enumerated() where path.count == bytes.count {
            let same = path.withUnsafeBytes { $0.baseAddress.map { memcmp($0, base, bytes.count) == 0 } ?? false }
            if same { return Endpoint(rawValue: index) }
        }
        return nil
    }

    /// Each endpoint's path as bytes, by raw value.
    private static let pathBytes: [[UInt8]] = allCases.map { Array($0.path.utf8) }

    /// The endpoint at `path`, or nil for a path api.md does not define.
    public init?(path: String) {
        var path = path
        guard let endpoint = path.withUTF8({ Self.matching(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = endpoint
    }
}
