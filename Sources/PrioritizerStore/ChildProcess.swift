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

    /// `input`: standard input (else /dev/null). `timeout`: past it the program gets SIGKILL.
    static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, separateErrors: Bool = false,
        timeout: Duration? = nil
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

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }

        let status = try wait(for: pid, killingAfter: timeout.map { ContinuousClock.now + $0 })
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitCode, output: outputFile.contents(), errors: errorFile?.contents() ?? "")
    }

    /// The program's wait status; past `deadline` (if any) it is killed first.
    private static func wait(for pid: pid_t, killingAfter deadline: ContinuousClock.Instant?) throws -> Int32 {
        var status: Int32 = 0
        if let deadline {
            while true {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { return status }
                if reaped < 0 && errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
                if ContinuousClock.now >= deadline { kill(pid, SIGKILL); break }
                usleep(5_000)
            }
        }
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        }
        return status
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
