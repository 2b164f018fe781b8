import Foundation

/// Counters and latency histograms of the runners, for INFO (and for `/metrics` when the server
/// exports them). Updated from every runner, so guarded by a lock; each update is a few additions.
final class RunnerStatistics: @unchecked Sendable {
    private let lock = NSLock()
    /// Immutable after init: read without the lock.
    let metrics: ServerMetrics?
    private var trackedWrites = 0
    private var commits = 0
    private var commitFailures = 0
    private var committedWrites = 0
    /// TRACKs committed and answered their count: acknowledged events.
    private var trackedEvents = 0
    private var largestBatch = 0
    private var busyRejections = 0
    private var sessionsLoaded = 0
    private var sessionsEvicted = 0
    /// Sessions reloaded because another node (or a refused write) changed them.
    private var sessionsReloaded = 0
    private var prioritizations = 0
    /// `optimal` packings that reached `--packing-time-cap-ms` and answered their best so far.
    private var optimalCutShort = 0
    private var commitLatency = LatencyHistogram()
    private var prioritizeLatency = LatencyHistogram()

    init(metrics: ServerMetrics? = nil) {
        self.metrics = metrics
    }

    func enqueued() { locked { trackedWrites += 1 } }
    func rejectedBusy() { locked { busyRejections += 1 } }
    func loadedSession() { locked { sessionsLoaded += 1 } }
    func evictedSession() { locked { sessionsEvicted += 1 } }
    func reloadedSession() { locked { sessionsReloaded += 1 } }
    var reloadedSessions: Int { locked { sessionsReloaded } }
    func commitFailed() {
        locked { commitFailures += 1 }
        metrics?.databaseErrors.increment()
    }

    /// A store call other than a group commit failed on the database (a session load, a close).
    func storeCallFailed() { metrics?.databaseErrors.increment() }

    /// A TRACK was acknowledged `latency` after its runner took it.
    func trackCommitted(latency: Duration) { metrics?.trackCommitLatency.record(latency) }

    /// `tracked`: the batch's TRACKs that were written (not refused for a closed session).
    func committed(batchSize: Int, tracked: Int, duration: Duration) {
        locked {
            commits += 1
            committedWrites += batchSize
            trackedEvents += tracked
            largestBatch = max(largestBatch, batchSize)
            commitLatency.record(duration)
        }
        metrics?.batchSize.record(Double(batchSize))
    }

    func prioritized(duration: Duration, cutShort: Bool = false) {
        locked {
            prioritizations += 1
            if cutShort { optimalCutShort += 1 }
            prioritizeLatency.record(duration)
        }
    }

    /// Name-value pairs for INFO's `stats` and `latency` sections.
    func fields() -> (stats: [(String, String)], latency: [(String, String)]) {
        locked {
            let average = commits > 0 ? Double(committedWrites) / Double(commits) : 0
            return (
                [
                    ("tracked_events", "\(trackedEvents)"),
                    ("writes_taken", "\(trackedWrites)"), ("commits", "\(commits)"),
                    ("commit_failures", "\(commitFailures)"), ("writes_committed", "\(committedWrites)"),
                    ("batch_size_avg", String(format: "%.1f", average)), ("batch_size_max", "\(largestBatch)"),
                    ("rejected_busy", "\(busyRejections)"), ("sessions_loaded", "\(sessionsLoaded)"),
                    ("sessions_evicted", "\(sessionsEvicted)"), ("sessions_reloaded", "\(sessionsReloaded)"), ("prioritizations", "\(prioritizations)"),
                    ("optimal_cut_short", "\(optimalCutShort)"),
                ],
                [
                    ("commit_p50_ms", commitLatency.percentileMilliseconds(0.50)),
                    ("commit_p99_ms", commitLatency.percentileMilliseconds(0.99)),
                    ("prioritize_p50_ms", prioritizeLatency.percentileMilliseconds(0.50)),
                    ("prioritize_p99_ms", prioritizeLatency.percentileMilliseconds(0.99)),
                ]
            )
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// Durations in buckets growing by 2^(1/4) from one microsecond: bounded memory, ~10% resolution.
struct LatencyHistogram {
    private var buckets = [Int](repeating: 0, count: 128)
    private var count = 0

    mutating func record(_ duration: Duration) {
        let micros = max(1, Double(duration / .microseconds(1)))
        let index = min(buckets.count - 1, max(0, Int((log2(micros) * 4).rounded(.down))))
        buckets[index] += 1
        count += 1
    }

    func percentileMilliseconds(_ quantile: Double) -> String {
        guard count > 0 else { return "0" }
        let target = Int((Double(count) * quantile).rounded(.up))
        var seen = 0
        for (index, bucket) in buckets.enumerated() {
            seen += bucket
            if seen >= target {
                let upperMicros = exp2(Double(index + 1) / 4)
                return String(format: "%.3f", upperMicros / 1000)
            }
        }
        return "0"
    }
}
