import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program `ChildProcess.spawn` started: its output so far, whether it has ended, signals.
///
/// Reaped only here, under a lock, and signalled only while not yet reaped: once reaped its pid
/// may be another process's.
final class RunningProgram: @unchecked Sendable {
    /// How a program ended.
    enum Ending: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or 128 + the signal, as a shell reports it.
        var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            }
        }

        var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: pid_t
    private let outputFile: ChildProcess.ScratchFile
    private let errorFile: ChildProcess.ScratchFile?
    private let lock = NSLock()
    private var reaped: Ending?

    init(pid: pid_t, outputFile: ChildProcess.ScratchFile, errorFile: ChildProcess.ScratchFile?) {
        self.pid = pid
        self.outputFile = outputFile
        self.errorFile = errorFile
    }

    /// Standard output so far, with standard error interleaved unless spawned with
    /// `separateErrors`.
    var output: String { outputFile.contents() }

    /// Standard error so far when spawned with `separateErrors`, else empty.
    var errors: String { errorFile?.contents() ?? "" }

    /// How it ended, or nil while it runs. Does not wait.
    func ending() throws -> Ending? {
        lock.lock()
        defer { lock.unlock() }
        if let reaped { return reaped }
        var status: Int32 = 0
        var reapedPID: pid_t
        repeat { reapedPID = waitpid(pid, &status, WNOHANG) } while reapedPID < 0 && errno == EINTR
        if reapedPID < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        guard reapedPID == pid else { return nil }
        let ending: Ending = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        reaped = ending
        return ending
    }

    var isRunning: Bool { (try? ending()) == nil }

    /// Sends `signal`, unless it has already been reaped.
    func signal(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if reaped == nil { kill(pid, signal) }
    }

    /// How it ends, waiting at most until `deadline`: nil if it is still running then.
    func ending(before deadline: ContinuousClock.Instant) throws -> Ending? {
        while true {
            if let ending = try ending() { return ending }
            guard ContinuousClock.now < deadline else { return nil }
            usleep(5_000)
        }
    }

    /// Waits for it to end. Past `deadline` (if any) it gets SIGTERM, and SIGKILL if it is still
    /// running `ChildProcess.terminationGrace` later.
    func wait(killingAfter deadline: ContinuousClock.Instant? = nil) throws -> Ending {
        if let deadline {
            if let ending = try ending(before: deadline) { return ending }
            signal(SIGTERM)
            if let ending = try ending(before: ContinuousClock.now + ChildProcess.terminationGrace) { return ending }
            signal(SIGKILL)
        }
        while true {
            if let ending = try ending(before: ContinuousClock.now + .seconds(3600)) { return ending }
        }
    }

    /// A program still running when its handle goes is killed and reaped: it would otherwise run
    /// on with no one to stop it, and then stay a zombie.
    deinit {
        if reaped == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}
