import Foundation
import PQ
import PrioritizerClient
import PrioritizerStore
import Testing

/// Small helpers shared by the end-to-end tests.

/// The error reply a call ended with, as `CODE message`; nil when it succeeded.
/// Other failures (connection closed, bad reply) come back as `UNEXPECTED …` so that they fail
/// the comparison with a readable text instead of being mistaken for a server answer.
func errorLine<T>(_ body: () async throws -> T) async -> String? {
    do {
        _ = try await body()
        return nil
    } catch PrioritizerClientError.server(let code, let message) {
        return message.isEmpty ? code : "\(code) \(message)"
    } catch {
        return "UNEXPECTED \(error)"
    }
}

/// The error line of a raw reply, or nil if it is not an error.
func errorLine(of reply: RESPReply) -> String? {
    if case .error(let line) = reply { return line }
    return nil
}

let noSession = "NOSESSION no such session"

extension PrioritizerClient {
    /// The `name:value` fields of one INFO section.
    func infoFields(_ section: String) async throws -> [String: String] {
        let info = try #require(try await call(["INFO", section]).string)
        return Dictionary(info.split(whereSeparator: \.isNewline).compactMap { line -> (String, String)? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { first, _ in first })
    }
}

/// A fixed point in time (unix ms) used with AT so that importance does not drift during a test.
let epochMs: Int64 = 1_750_000_000_000

extension LiveServer {
    /// `SELECT count(*) …` on a fresh connection.
    func count(_ query: PQQuery) async throws -> Int {
        let connection = try await sql()
        defer { Task { await connection.close() } }
        return try await connection.query(query)[0].decode(0, as: Int.self)
    }

    /// Connections of the test database waiting for a lock (a commit the test holds up).
    func lockWaiters() async throws -> Int {
        try await count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
    }

    /// Makes every commit writing a log row that matches `condition` (SQL over `NEW`, the row)
    /// fail with an error, through a trigger: how a test makes one group commit fail.
    func failLogRows(where condition: String) async throws {
        let connection = try await sql()
        try await connection.executeScript("""
            CREATE FUNCTION public.fail_log_row() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'the test fails this commit'; END $$;
            CREATE TRIGGER fail_log_row BEFORE INSERT ON prioritizer.access_logs FOR EACH ROW
                WHEN (\(condition)) EXECUTE FUNCTION public.fail_log_row();
            """)
        await connection.close()
    }

    /// A client of an agent of `org` with `role`, made directly in the store.
    func client(org: AgentCredentials, name: String, role: AgentRole) async throws -> (PrioritizerClient, String) {
        let credentials = try await store.createAgent(orgID: org.agent.orgID, name: name, role: role)
        return (try await client(credentials.token), credentials.token)
    }
}

/// Paths of the resources marked `included_in_context` in a session.
func includedPaths(_ live: LiveServer, session: String) async throws -> Set<String> {
    let connection = try await live.sql()
    let rows = try await connection.query(
        """
        SELECT r.path FROM prioritizer.session_resources sr
        JOIN prioritizer.resources r ON r.org_id = sr.org_id AND r.resource_id = sr.resource_id
        WHERE sr.session_id = \(session)::uuid AND sr.included_in_context
        """)
    var paths: Set<String> = []
    for row in rows { paths.insert(try row.decode(0, as: String.self)) }
    await connection.close()
    return paths
}

/// Best total importance of a subset of `entries` within `budget` tokens and at most `limit`
/// entries, by brute force (entries with nil tokens excluded by the caller).
func bruteForceBest(_ entries: [ContextEntry], budget: Int, limit: Int = .max) -> Double {
    precondition(entries.count <= 16)
    var best = 0.0
    for mask in 0..<(1 << entries.count) {
        var tokens = 0, importance = 0.0, count = 0
        for (index, entry) in entries.enumerated() where mask & (1 << index) != 0 {
            tokens += entry.tokens
            importance += entry.importance
            count += 1
        }
        if tokens <= budget, count <= limit { best = max(best, importance) }
    }
    return best
}

func relativelyEqual(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * max(abs(a), abs(b))
}
