import CSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with posix_spawn and waitpid, its output sent to files.
///
/// Not Foundation's `Process`: it reaps children asynchronously, and a child that leaves a
/// daemon behind (`pg_ctl start`) was seen never to be reaped, hanging the caller. And on Linux
/// its `run()` lists /proc/self/fd copying each entry's whole 256-byte name, which can read past
/// glibc's buffer and crash the caller (swift-corelibs-foundation #5472, in Swift 6.3.1): a test
/// run holding ~1,350 descriptors did.
enum ChildProcess {
    struct Outcome: Sendable {
        /// The exit status, or 128 + the signal that ended the program.
        let status: Int32
        /// Standard output, with standard error interleaved unless `separateErrors`.
        let output: String
        /// Standard error when `separateErrors`, else empty.
        let errors: String
    }

    /// `input`: standard input (else /dev/null). `environment`: the program's whole environment
    /// (else the caller's). `timeout`: past it the program gets SIGTERM, and SIGKILL if it is still
    /// running `terminationGrace` later (a program that started a server of its own, as `prioritizer
    /// replay` does, gets to stop it).
    static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil,
        separateErrors: Bool = false, timeout: Duration? = nil
    ) throws -> Outcome {
        let outputFile = try ScratchFile()
        let errorFile = separateErrors ? try ScratchFile() : nil
        let inputFile = try input.map { try ScratchFile(contents: $0) }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputFile?.descriptor ?? devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFile.descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, (errorFile ?? outputFile).descriptor, 2)
        // Nothing else of the caller's goes to the program. A descriptor opened without
        // O_CLOEXEC, such as a test's socket, would otherwise stay open in it, and a connection
        // the caller closed would stay open until the program ended.
        let closing = cspawn_add_close_from(&actions, 3)
        guard closing == 0 else { throw POSIXError(POSIXErrorCode(rawValue: closing) ?? .ENOSYS) }

        // The program starts with every signal unblocked and at its default action, as a program
        // expects: it would otherwise inherit what the caller's thread blocks and what the caller
        // ignores (a server's signal handling blocks or ignores SIGTERM and SIGINT), and a
        // timeout's SIGTERM could never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var everySignal = sigset_t(), noSignal = sigset_t()
        sigfillset(&everySignal)
        sigemptyset(&noSignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }

        let status = try wait(for: pid, killingAfter: timeout.map { ContinuousClock.now + $0 })
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitCode, output: outputFile.contents(), errors: errorFile?.contents() ?? "")
    }

    static let terminationGrace: Duration = .seconds(2)

    /// The program's wait status; past `deadline` (if any) it is terminated first.
    private static func wait(for pid: pid_t, killingAfter deadline: ContinuousClock.Instant?) throws -> Int32 {
        if let deadline {
            if let status = try reap(pid, before: deadline) { return status }
            kill(pid, SIGTERM)
            if let status = try reap(pid, before: ContinuousClock.now + terminationGrace) { return status }
            kill(pid, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        }
        return status
    }

    /// The program's wait status if it ends before `deadline`, else nil.
    private static func reap(_ pid: pid_t, before deadline: ContinuousClock.Instant) throws -> Int32? {
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return status }
            if reaped < 0 && errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
            usleep(5_000)
        }
        return nil
    }

    /// A temporary file, removed when released: empty and open for writing, or holding
    /// `contents` and open for reading.
    private final class ScratchFile {
        let path = NSTemporaryDirectory() + "prioritizer-tool-\(UUID().uuidString)"
        let descriptor: Int32

        init(contents: String? = nil) throws {
            if let contents {
                guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)) else {
                    throw POSIXError(.EIO)
                }
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
            } else {
                descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            }
            guard descriptor >= 0 else {
                let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                unlink(path)
                throw error
            }
        }

        func contents() -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        deinit {
            close(descriptor)
            unlink(path)
        }
    }
}
