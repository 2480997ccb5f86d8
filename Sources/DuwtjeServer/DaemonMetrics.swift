import DuwtjeRules
import Foundation
public import Prometheus

/// The daemon's Prometheus metrics, in a registry of its own.
///
/// Not a global `MetricsSystem.bootstrap`: that can run once per process, which would tie every
/// test in a process to the first daemon's registry. Label values come from fixed lists (the
/// endpoint names) or from the rule set (nudge ids), never from what a client sends, so a client
/// cannot grow the registry without bound.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let rulesLoaded: Gauge
    private let rulesLoadedAt: Gauge
    private let reloadErrors: Counter

    /// The endpoint labels; any other path is counted as `other`.
    public static let endpoints = ["recommendations", "nudges", "journeys", "status", "healthz", "readyz", "metrics", "events", "report"]

    /// Request latency buckets, in seconds: the engine answers in microseconds, the socket in well under a millisecond.
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        rulesLoaded = registry.makeGauge(descriptor: Self.name("rules_loaded", unit: "", "Rules in the rule set being served."))
        rulesLoadedAt = registry.makeGauge(descriptor: Self.name(
            "rules_loaded_timestamp", unit: "seconds", "When the rule set being served was loaded (Unix time)."))
        reloadErrors = registry.makeCounter(descriptor: Self.name(
            "reload_errors", unit: "total", "Errors found by reloads that were refused."))
        for result in ["ok", "failed"] { _ = reloads(result) }
    }

    static func name(_ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "duwtje", metricName: metric, unitName: unit, helpText: help)
    }

    /// The endpoint label for a path.
    public static func endpoint(for path: String) -> String {
        switch path {
        case "/v1/recommendations": return "recommendations"
        case "/v1/nudges": return "nudges"
        case "/v1/journeys": return "journeys"
        case "/v1/status": return "status"
        case "/healthz": return "healthz"
        case "/readyz": return "readyz"
        case "/metrics": return "metrics"
        case "/v1/events": return "events"
        case "/v1/report": return "report"
        default: return "other"
        }
    }

    /// Counts one answered request and its latency.
    public func request(endpoint: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.name("http_requests", unit: "total", "Requests answered, by endpoint and status."),
                             labels: [("endpoint", endpoint), ("status", String(status))]).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", unit: "seconds", "Time to answer a request, by endpoint."),
            labels: [("endpoint", endpoint)], buckets: Self.latencyBuckets).record(duration)
    }

    /// Counts a nudge served to the website.
    public func nudgeServed(_ id: String) {
        registry.makeCounter(descriptor: Self.name("nudges_served", unit: "total", "Nudges served in answers, by nudge id."),
                             labels: [("nudge", id)]).increment()
    }

    func reloads(_ result: String) -> Counter {
        registry.makeCounter(descriptor: Self.name("reloads", unit: "total", "Reloads, by result (ok or failed)."),
                             labels: [("result", result)])
    }

    /// Records a successful load (at start or on reload).
    public func loaded(_ snapshot: ServingSnapshot, reload: Bool) {
        rulesLoaded.set(Double(snapshot.counts.rules))
        rulesLoadedAt.set(snapshot.loadedAt.timeIntervalSince1970)
        if reload { reloads("ok").increment() }
    }

    /// Records a refused reload and how many errors it found.
    public func reloadFailed(errors: Int) {
        reloads("failed").increment()
        reloadErrors.increment(by: Int64(errors))
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
