import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `prioritizer serve` as a child process on an ephemeral loopback port over a given database:
/// a real process that can be SIGKILLed, whose file descriptors and memory can be read from /proc,
/// and whose output is kept for inspection.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    private let stdout: CollectedOutput
    private let stderr: CollectedOutput

    var pid: Int32 { process.processIdentifier }

    /// Starts the server and waits (up to `timeout`) for its "listening" line, on a thread of its
    /// own: waiting for a child process must not hold one of the few cooperative threads that the
    /// other tests' servers run on.
    static func start(conninfo: String, arguments: [String] = []) async throws -> ServerProcess {
        try await offloaded { try ServerProcess(conninfo: conninfo, arguments: arguments) }
    }

    private init(conninfo: String, arguments: [String] = [], timeout: Duration = .seconds(60)) throws {
        (process, stdout, stderr) = serveProcess(["--database-url", conninfo, "--host", "127.0.0.1", "--port", "0"] + arguments)
        try process.run()

        let deadline = ContinuousClock.now + timeout
        var found: Int?
        while found == nil && ContinuousClock.now < deadline && process.isRunning {
            found = Self.listeningPort(in: stdout.text)
            if found == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let found = found ?? Self.listeningPort(in: stdout.text) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw ServerProcessError(description: "no listening line; stdout: \(stdout.text) stderr: \(stderr.text)")
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
    var output: String { stdout.text + stderr.text }

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
        guard process.isRunning else { return }
        kill(pid, signal)
        process.waitUntilExit()
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

    deinit {
        killAndWait(SIGKILL)
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    var description: String
}

/// `prioritizer serve ARGUMENTS`, ready to run: no database named by the environment (each test
/// names its own, or none for the embedded one), standard output and error collected.
func serveProcess(_ arguments: [String]) -> (process: Process, stdout: CollectedOutput, stderr: CollectedOutput) {
    let process = Process()
    process.executableURL = BuiltExecutable.url("prioritizer")
    process.arguments = ["serve"] + arguments
    var environment = ProcessInfo.processInfo.environment
    for name in ["DATABASE_URL", "PGHOST", "PGDATABASE"] { environment[name] = nil }
    if let bin = environment["PRIORITIZER_TEST_PG_BINDIR"] { environment["PRIORITIZER_PG_BINDIR"] = bin }
    process.environment = environment
    let stdout = CollectedOutput(), stderr = CollectedOutput()
    let outPipe = Pipe(), errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    stdout.collect(from: outPipe)
    stderr.collect(from: errPipe)
    return (process, stdout, stderr)
}

/// A pipe's bytes as they arrive, readable at any time from another thread.
final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    /// Reads on a thread of its own with blocking reads until end of file. Not
    /// `readabilityHandler`: the test process once crashed in libdispatch's
    /// `_dispatch_event_loop_drain` (a crash others report on Linux too, e.g. swiftlang/swift#87033)
    /// while servers were starting, and that handler's dispatch source, cancelled from within its
    /// own handler at end of file, was the only dispatch source the tests made themselves.
    func collect(from pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let reader = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
        }
        reader.start()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
