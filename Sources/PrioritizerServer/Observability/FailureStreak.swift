import Logging

/// Logs a periodic background task's failures once per streak: a warning at the first failure,
/// a notice when the task works again with how many attempts failed in between. Heartbeats run
/// four times a second and relation writes once a second, so a database outage logged one line
/// per attempt would bury everything else in the log under the same line.
struct FailureStreak {
    /// What fails, as the log lines name it ("heartbeat", "writing relations").
    let task: String
    private(set) var failures = 0

    init(_ task: String) {
        self.task = task
    }

    mutating func failed(_ error: any Error, logger: Logger, metadata: Logger.Metadata = [:]) {
        failures += 1
        guard failures == 1 else { return }
        var metadata = metadata
        metadata["error"] = "\(error)"
        logger.warning("\(task) failed; retrying, logged again once it works", metadata: metadata)
    }

    mutating func succeeded(logger: Logger) {
        guard failures > 0 else { return }
        logger.notice("\(task) works again", metadata: ["failed_attempts": "\(failures)"])
        failures = 0
    }
}
