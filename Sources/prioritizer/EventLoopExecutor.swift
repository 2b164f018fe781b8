import NIOCore
import NIOPosix

/// Runs Swift concurrency's jobs (the session runners, the commit loops, every `Task`) on the
/// server's NIO event loops instead of on the runtime's own thread pool.
///
/// Why: a request then travels from its socket to its runner and back on the thread that read
/// it, where with two pools each hop between them woke a sleeping thread. Measured with
/// 50 redis-benchmark clients sending TRACKs one at a time to one session (2 cores, fsync on):
/// context switches of the server fell from 1.38 to 0.46 per request, and alternated runs gave
/// 13.0k / 13.7k TRACK/s on the runtime's pool against 17.1k / 14.0k on the event loops;
/// PRIORITIZE greedy at 10,000 resources took 0.96 / 0.84 ms of server CPU per request against
/// 0.79 / 0.69.
///
/// What it costs: a long computation on a runner (an `optimal` packing, up to its time cap) holds
/// one event loop, and the connections read by it wait, where before it held one of the
/// runtime's threads (as many as the loops). The longer ones run on NIO's blocking thread pool
/// instead: token counts of large texts, and building an organization's relations from their
/// rows (seconds for a large organization). `--runtime-thread-pool` keeps the runtime's pool.
enum EventLoopExecutor {
    /// Installs the event loops as the global executor; false when the runtime refused (it was
    /// already replaced). Must be called once, before the server starts.
    static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
