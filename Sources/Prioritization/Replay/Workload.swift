import Foundation

/// A recorded work history to replay (`prioritizer replay`, docs/replay.md): one JSON object a
/// line, either an access event or an expectation — the paths the session needs next.
public struct Workload: Sendable {
    public enum Line: Sendable {
        case event(session: String, AccessEvent)
        case expectation(session: String, at: Int64, expect: [String])

        public var session: String {
            switch self {
            case .event(let session, _), .expectation(let session, _, _): session
            }
        }
    }

    public let lines: [Line]
    /// Sessions in the order they first appear.
    public let sessions: [String]
    private let sessionIndex: [String: Int]

    public init(lines: [Line]) {
        self.lines = lines
        var order: [String] = []
        var index: [String: Int] = [:]
        for line in lines where index[line.session] == nil {
            index[line.session] = order.count
            order.append(line.session)
        }
        sessions = order
        sessionIndex = index
    }

    public init(contentsOf url: URL) throws {
        try self.init(jsonl: String(contentsOf: url, encoding: .utf8))
    }

    public init(jsonl text: String) throws {
        let decoder = JSONDecoder()
        var lines: [Line] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                lines.append(try decoder.decode(RawLine.self, from: Data(trimmed.utf8)).line())
            } catch {
                throw WorkloadError(line: number + 1, reason: "\(error)")
            }
        }
        self.init(lines: lines)
    }

    /// Whether `session` is in the second half of the sessions (by first appearance): tuning
    /// looks at the first half only, figures are reported on the second.
    public func isSecondHalf(_ session: String) -> Bool {
        (sessionIndex[session] ?? 0) >= sessions.count / 2
    }

    private struct RawLine: Decodable {
        var session: String
        var path: String?
        var type: String?
        var size: Int?
        var tokens: Int?
        var at: Int64
        var access: String?
        var modified: Bool?
        var expect: [String]?

        func line() throws -> Line {
            if let expect { return .expectation(session: session, at: at, expect: expect) }
            guard let path else { throw WorkloadError(line: 0, reason: "an event needs a path") }
            let access = try AccessType(word: self.access ?? "VIEW")
            let type = try self.type.map { try ResourceType(word: $0) } ?? ResourceType(path: path)
            return .event(session: session, AccessEvent(
                path: path, type: type, access: access, at: at, modified: modified ?? false, tokens: tokens, size: size))
        }
    }
}

public struct WorkloadError: Error, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}
