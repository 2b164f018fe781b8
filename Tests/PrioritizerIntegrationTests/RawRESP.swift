import Foundation
import TestSupport
import PrioritizerClient
@testable import PrioritizerStore
#if canImport(Glibc)
import Glibc
#endif

struct RawSocketError: Error, CustomStringConvertible {
    var description: String
}

/// A plain blocking TCP connection to the server, for bytes exactly as written: inline commands,
/// raw RESP pipelines.
final class RawSocket: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw RawSocketError(description: "connect: \(errno)")
        }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawSocketError(description: "send: \(errno)") }
            offset += sent
        }
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Reads until `count` complete replies have arrived (or the receive timeout passes).
    func readReplies(_ count: Int) throws -> [RESPReply] {
        var replies: [RESPReply] = []
        while replies.count < count {
            if let (reply, used) = RESPParser.parse(buffer, from: 0) {
                replies.append(reply)
                buffer.removeFirst(used)
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard got > 0 else {
                throw RawSocketError(description: "recv after \(replies.count) of \(count) replies: \(got == 0 ? "closed" : "errno \(errno)")")
            }
            buffer.append(contentsOf: chunk[0..<got])
        }
        return replies
    }

    /// Everything until the server closes the connection (or the timeout).
    func readToEnd() -> [UInt8] {
        var all = buffer
        buffer = []
        while true {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { return all }
            all.append(contentsOf: chunk[0..<got])
        }
    }

    /// A request as a RESP array of bulk strings.
    static func encode(_ words: [String]) -> [UInt8] {
        var bytes = Array("*\(words.count)\r\n".utf8)
        for word in words {
            let utf8 = Array(word.utf8)
            bytes += Array("$\(utf8.count)\r\n".utf8) + utf8 + [13, 10]
        }
        return bytes
    }
}

/// A minimal RESP2/RESP3 reply parser over a byte buffer (what the tests read from raw sockets).
enum RESPParser {
    /// The reply starting at `start` and the bytes it used, or nil when incomplete.
    static func parse(_ bytes: [UInt8], from start: Int) -> (RESPReply, Int)? {
        guard start < bytes.count, let lineEnd = lineEnd(bytes, from: start + 1) else { return nil }
        let line = String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)
        let next = lineEnd + 2
        switch bytes[start] {
        case UInt8(ascii: "+"): return (.simpleString(line), next - start)
        case UInt8(ascii: "-"): return (.error(line), next - start)
        case UInt8(ascii: ":"): return (.integer(Int64(line) ?? 0), next - start)
        case UInt8(ascii: ","): return (.double(Double(line) ?? .nan), next - start)
        case UInt8(ascii: "_"): return (.null, next - start)
        case UInt8(ascii: "#"): return (.boolean(line == "t"), next - start)
        case UInt8(ascii: "$"), UInt8(ascii: "="):
            let length = Int(line) ?? -1
            if length < 0 { return (.null, next - start) }
            guard bytes.count >= next + length + 2 else { return nil }
            return (.bulkString(Array(bytes[next..<(next + length)])), next + length + 2 - start)
        case UInt8(ascii: "*"), UInt8(ascii: "%"), UInt8(ascii: "~"):
            let count = Int(line) ?? -1
            if count < 0 { return (.null, next - start) }
            let isMap = bytes[start] == UInt8(ascii: "%")
            var elements: [RESPReply] = []
            var offset = next
            for _ in 0..<(isMap ? count * 2 : count) {
                guard let (element, used) = parse(bytes, from: offset) else { return nil }
                elements.append(element)
                offset += used
            }
            if isMap {
                let pairs = stride(from: 0, to: elements.count, by: 2).map { RESPReplyPair(key: elements[$0], value: elements[$0 + 1]) }
                return (.map(pairs), offset - start)
            }
            return (.array(elements), offset - start)
        default:
            return (.error("UNPARSEABLE \(line)"), next - start)
        }
    }

    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}

/// Runs `redis-cli` with `arguments` (and `input` on standard input), bounded in time.
struct CommandOutput: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
}

func redisCli(_ arguments: [String], input: String? = nil, timeoutSeconds: Double = 20) async throws -> CommandOutput {
    try await runTool("redis-cli", arguments, input: input, timeoutSeconds: timeoutSeconds)
}

/// Whether `tool` is on the PATH.
func toolExists(_ tool: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
    }
}

/// Runs `tool` with `arguments` (and `input` on standard input), bounded in time (then killed).
/// Through the server's posix_spawn runner, not Foundation's `Process`, whose `run()` on Linux
/// can read past glibc's buffer while listing /proc/self/fd: it crashed the whole test process
/// once, with ~1,350 descriptors open (swift-corelibs-foundation #5472, in Swift 6.3.1).
func runTool(_ tool: String, _ arguments: [String], input: String? = nil, timeoutSeconds: Double = 20) async throws -> CommandOutput {
    try await offloaded {
        let outcome = try ChildProcess.run(
            "/usr/bin/env", [tool] + arguments, input: input, separateErrors: true, timeout: .seconds(timeoutSeconds))
        return CommandOutput(status: outcome.status, stdout: outcome.output, stderr: outcome.errors)
    }
}
