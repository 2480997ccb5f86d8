import DuwtjeRules
public import DuwtjeWire
import Foundation
public import Prometheus
import Synchronization

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
    private let ruleSetsHeld: Gauge
    /// The counters and histograms the request path uses, made once each (see ``RequestInstruments``).
    private let instruments = Mutex(RequestInstruments())
    /// The cap store's eviction count as last added to `duwtje_cap_visitors_evicted_total`.
    let capEvictionsReported = Mutex(0)

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
        ruleSetsHeld = registry.makeGauge(descriptor: Self.name(
            "rule_sets_held", unit: "", "Rule sets in memory: 1, or 2 while a reload swaps or requests read the previous one."))
        for result in ["ok", "failed"] { _ = reloads(result) }
    }

    static func name(_ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "duwtje", metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts one answered request and its latency; `endpoint` nil is a path api.md does not
    /// define, counted as `other`.
    ///
    /// The request path's version: asking the registry for a labelled metric builds the label
    /// strings and a lookup key and takes the registry's lock every time, so each endpoint/status
    /// counter and each endpoint histogram is made once, on first use (not up front, so that
    /// `/metrics` still lists only what happened), and then found by integer key.
    public func request(_ endpoint: Endpoint?, status: Int, duration: Duration) {
        let endpointIndex = endpoint?.rawValue ?? Endpoint.allCases.count
        let (counter, histogram) = instruments.withLock { cache in
            let key = endpointIndex &* 1_000 &+ status
            let counter: Counter
            if let known = cache.counters[key] {
                counter = known
            } else {
                counter = makeRequestCounter(endpointIndex: endpointIndex, status: status)
                cache.counters[key] = counter
            }
            let histogram: DurationHistogram
            if let known = cache.durations[endpointIndex] {
                histogram = known
            } else {
                histogram = makeDurationHistogram(endpointIndex: endpointIndex)
                cache.durations[endpointIndex] = histogram
            }
            return (counter, histogram)
        }
        counter.increment()
        histogram.record(duration)
    }

    static func endpointLabel(_ index: Int) -> String {
        Endpoint(rawValue: index)?.label ?? "other"
    }

    private func makeRequestCounter(endpointIndex: Int, status: Int) -> Counter {
        registry.makeCounter(descriptor: Self.name("http_requests", unit: "total", "Requests answered, by endpoint and status."),
                             labels: [("endpoint", Self.endpointLabel(endpointIndex)), ("status", String(status))])
    }

    private func makeDurationHistogram(endpointIndex: Int) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", unit: "seconds", "Time to answer a request, by endpoint."),
            labels: [("endpoint", Self.endpointLabel(endpointIndex))], buckets: Self.latencyBuckets)
    }

    /// Counts a nudge served to the website (one registry look-up per nudge id, then cached).
    public func nudgeServed(_ id: String) {
        let counter = instruments.withLock { cache in
            if let known = cache.nudges[id] { return known }
            let made = registry.makeCounter(
                descriptor: Self.name("nudges_served", unit: "total", "Nudges served in answers, by nudge id."),
                labels: [("nudge", id)])
            cache.nudges[id] = made
            return made
        }
        counter.increment()
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
    public func exposition() -> [UInt8] {
        ruleSetsHeld.set(Double(ServingSnapshot.held))
        return registry.emitToBuffer()
    }
}

/// The request path's metrics, each made once. Nudge ids come from the rule set, so the cache is
/// bounded by the rule sets served (as the registry itself is).
struct RequestInstruments {
    /// By `endpointIndex * 1000 + status`.
    var counters: [Int: Counter] = [:]
    /// By endpoint index.
    var durations: [Int: DurationHistogram] = [:]
    /// By nudge id.
    var nudges: [String: Counter] = [:]
}
