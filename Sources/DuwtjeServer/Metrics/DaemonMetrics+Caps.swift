import Prometheus
import Synchronization

extension DaemonMetrics {
    /// Brings the caps' series up to date from the cap store's own counts, when `/metrics` is read:
    /// the request path only bumps an integer under the lock it already holds.
    ///
    /// - `duwtje_cap_visitors_remembered`: visitors whose showings are in memory (at most `caps.max_visitors`);
    /// - `duwtje_cap_visitors_evicted_total`: visitors forgotten to make room since start. Each is read
    ///   back from the store when they return, so an eviction costs a look-up, never a cap.
    public func capVisitors(remembered: Int, evicted: Int) {
        registry.makeGauge(descriptor: Self.name("cap_visitors_remembered", unit: "",
                                                 "Visitors whose nudge showings are held in memory (at most caps.max_visitors)."))
            .set(Double(remembered))
        let counter = registry.makeCounter(descriptor: Self.name(
            "cap_visitors_evicted", unit: "total",
            "Visitors forgotten from memory to make room under caps.max_visitors; read back from the store when they return."))
        let delta = capEvictionsReported.withLock { reported -> Int in
            let delta = max(0, evicted - reported)
            reported = max(reported, evicted)
            return delta
        }
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }
}
