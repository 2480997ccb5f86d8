import Foundation
import Prometheus
import DuwtjeWire

extension DaemonMetrics {
    /// Commit latency buckets, in seconds: an fsync takes from a fraction of a millisecond (NVMe)
    /// to tens of milliseconds (spinning disk, network storage).
    static let commitBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// Records one group commit: its latency and the events it stored, by type.
    public func committed(duration: Duration, eventsByType: [String: Int]) {
        registry.makeDurationHistogram(
            descriptor: Self.name("store_commit_duration", unit: "seconds",
                                  "Time to commit and fsync one group of event batches and cap showings."),
            buckets: Self.commitBuckets).record(duration)
        for (type, count) in eventsByType where count > 0 {
            eventsStored(type).increment(by: Int64(count))
        }
    }

    func eventsStored(_ type: String) -> Counter {
        registry.makeCounter(descriptor: Self.name("events_stored", unit: "total", "Feedback events stored, by type."),
                             labels: [("type", type)])
    }

    /// Counts a refused batch, by reason (the problem type's last part, or store-failed).
    public func batchRejected(reason: String) {
        registry.makeCounter(descriptor: Self.name("event_batches_rejected", unit: "total",
                                                   "Event batches refused, by reason; nothing of them was stored."),
                             labels: [("reason", reason)]).increment()
    }

    /// Counts a batch that repeated a remembered idempotency key with the same events: answered
    /// as the first time, nothing stored. Many of them mean clients time out before the 202 comes.
    public func batchReplayed() {
        batchesReplayed.increment()
    }

    var batchesReplayed: Counter {
        registry.makeCounter(descriptor: Self.name("event_batches_replayed", unit: "total",
                                                   "Event batches that repeated an idempotency key with the same events: answered as the first time, nothing stored."))
    }

    /// Whether the store is degraded (1: a shared store unreachable, caps in this server's memory,
    /// events refused) or not (0).
    public func storeDegraded(_ degraded: Bool) {
        registry.makeGauge(descriptor: Self.name("store_degraded", unit: "",
                                                 "1 while the store is degraded (caps in memory, events refused), else 0."))
            .set(Double(degraded ? 1 : 0))
    }

    /// Makes the event series visible at zero from the start.
    public func eventsReady() {
        for type in EventBatch.types { _ = eventsStored(type) }
        _ = batchesReplayed
    }
}
