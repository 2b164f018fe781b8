import CSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with posix_spawn and waitpid, its output sent to files: to completion (`run`),
/// or in the background (`spawn`, for a server the caller talks to and signals).
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
        let program = try spawn(
            executable, arguments, input: input, environment: environment, separateErrors: separateErrors)
        let ending = try program.wait(killingAfter: timeout.map { ContinuousClock.now + $0 })
        return Outcome(status: ending.status, output: program.output, errors: program.errors)
    }

    /// Starts a program and returns at once; its output goes to files that can be read while it
    /// runs (`RunningProgram.output`). Arguments as for `run`.
    static func spawn(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil,
        separateErrors: Bool = false
    ) throws -> RunningProgram {
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
        return RunningProgram(pid: pid, outputFile: outputFile, errorFile: errorFile)
    }

    static let terminationGrace: Duration = .seconds(2)

    /// A temporary file, removed when released: empty and open for writing, or holding
    /// `contents` and open for reading.
    final class ScratchFile {
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

        /// What the file holds now (a program still writing it may have left a character half
        /// written: decoded with replacement, not dropped whole).
        func contents() -> String { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "" }

        deinit {
            close(descriptor)
            unlink(path)
        }
    }
}
