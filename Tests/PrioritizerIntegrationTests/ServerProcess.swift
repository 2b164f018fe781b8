import Foundation
@testable import PrioritizerStore
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `prioritizer serve` as a child process on an ephemeral loopback port over a given database:
/// a real process that can be SIGKILLed, whose file descriptors and memory can be read from /proc,
/// and whose output is kept for inspection.
///
/// Started with `ChildProcess.spawn` (posix_spawn), not Foundation's `Process`, whose `run()` on
/// Linux can read past a buffer while listing /proc/self/fd and crash the whole test run
/// (swift-corelibs-foundation #5472, in Swift 6.3.1).
final class ServerProcess: Sendable {
    let program: RunningProgram
    let port: Int

    var pid: Int32 { program.pid }

    /// Starts the server and waits (up to `timeout`) for its "listening" line, on a thread of its
    /// own: waiting for a child process must not hold one of the few cooperative threads that the
    /// other tests' servers run on.
    static func start(conninfo: String, arguments: [String] = []) async throws -> ServerProcess {
        try await offloaded { try ServerProcess(conninfo: conninfo, arguments: arguments) }
    }

    private init(conninfo: String, arguments: [String] = [], timeout: Duration = .seconds(60)) throws {
        program = try startServe(["--database-url", conninfo, "--host", "127.0.0.1", "--port", "0"] + arguments)

        let deadline = ContinuousClock.now + timeout
        var found: Int?
        while found == nil && ContinuousClock.now < deadline && program.isRunning {
            found = Self.listeningPort(in: program.output)
            if found == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let found = found ?? Self.listeningPort(in: program.output) else {
            program.signal(SIGKILL)
            _ = try? program.wait()
            throw ServerProcessError(description: "no listening line; stdout: \(program.output) stderr: \(program.errors)")
        }
        port = found
    }

    /// "prioritizer listening on [IPv4]127.0.0.1/127.0.0.1:PORT" → PORT.
    private static func listeningPort(in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("listening on") }),
              let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    /// Everything the server wrote to standard output and standard error so far.
    var output: String { program.output + program.errors }

    /// Waits (up to `timeout`) until the server has written `text`; whether it has. Its log lines
    /// go to standard error and "listening" to standard output, read apart, so a line logged
    /// before "listening" may still arrive after it.
    @discardableResult
    func waitForOutput(containing text: String, timeout: Duration = .seconds(5)) async throws -> Bool {
        try await eventually(timeout) { output.contains(text) }
    }

    /// SIGKILL: no shutdown, no flush, exactly what a crash leaves.
    func crash() async {
        _ = try? await offloaded { [self] in killAndWait(SIGKILL) }
    }

    /// SIGTERM and wait: the graceful stop.
    func stop() async {
        _ = try? await offloaded { [self] in killAndWait(SIGTERM) }
    }

    private func killAndWait(_ signal: Int32) {
        program.signal(signal)
        _ = try? program.wait()
    }

    /// Open file descriptors of the server process.
    var openFileDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Resident memory of the server process, kilobytes (VmRSS).
    var residentKilobytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// The server's own limit on open files (its soft RLIMIT_NOFILE).
    var openFileLimit: Int {
        guard let limits = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
              let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return -1 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first ?? "") ?? -1
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    var description: String
}

/// Starts `prioritizer serve ARGUMENTS` with no database named by the environment (each test
/// names its own, or none for the embedded one), standard output and error kept apart.
func startServe(_ arguments: [String]) throws -> RunningProgram {
    var environment = ProcessInfo.processInfo.environment
    for name in ["DATABASE_URL", "PGHOST", "PGDATABASE"] { environment[name] = nil }
    if let bin = environment["PRIORITIZER_TEST_PG_BINDIR"] { environment["PRIORITIZER_PG_BINDIR"] = bin }
    return try ChildProcess.spawn(
        BuiltExecutable.url("prioritizer").path, ["serve"] + arguments, environment: environment, separateErrors: true)
}
