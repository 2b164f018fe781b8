import Foundation
import PQ
import PrioritizerClient
import PrioritizerServer
import Testing
import TestSupport

/// `/metrics` and `/health` of a real server on a real database, read over HTTP.
@Suite("Observability: /metrics and /health") struct ObservabilityTests {
    @Test func metricsCountRequestsCommitsAndWhatIsInMemory() async throws {
        try await LiveServer.with(metrics: true) { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(budget: 1000)
            for (index, path) in ["a.swift", "b.swift", "a.swift", "c.md", "a.swift"].enumerated() {
                _ = try await client.track(
                    session: session, path: path, type: path.hasSuffix(".md") ? .documentation : .code, access: .view,
                    tokens: 10 * (index + 1), at: epochMs + Int64(index) * 1000)
            }
            // Errors are counted under their code word; a made-up name under `unknown`.
            let missing = "00000000-0000-4000-8000-000000000000"
            #expect(await errorLine { try await client.track(session: missing, path: "x", type: .code, access: .view) } == noSession)
            #expect(await errorLine { try await client.call(["NOSUCHCOMMAND", "x"]) }?.hasPrefix("ERR unknown command") == true)
            #expect(await errorLine { try await client.call(["TRACK", session]) }?.hasPrefix("ERR wrong number of arguments") == true)

            let (status, body) = try await httpGet(port: live.metricsPort, path: "/metrics")
            #expect(status == 200)
            let series = exposition(body)
            #expect(series[#"prioritizer_requests_total{command="track",result="ok"}"#] == 5, "\(body)")
            #expect(series[#"prioritizer_requests_total{command="track",result="NOSESSION"}"#] == 1)
            #expect(series[#"prioritizer_requests_total{command="track",result="ERR"}"#] == 1)
            #expect(series[#"prioritizer_requests_total{command="unknown",result="ERR"}"#] == 1)
            #expect(series[#"prioritizer_requests_total{command="session.create",result="ok"}"#] == 1)
            // Every acknowledged TRACK has a commit latency; every write was in some batch.
            #expect(series["prioritizer_track_commit_seconds_count"] == 5)
            #expect((series["prioritizer_track_commit_seconds_sum"] ?? 0) > 0)
            #expect(series[#"prioritizer_track_commit_seconds_bucket{le="+Inf"}"#] == 5)
            #expect(series["prioritizer_commit_batch_writes_sum"] == 5)
            let batches = series["prioritizer_commit_batch_writes_count"] ?? 0
            #expect(batches >= 1 && batches <= 5)
            #expect(series["prioritizer_sessions_in_memory"] == 1)
            #expect(series["prioritizer_resources_in_memory"] == 3)
            #expect(series["prioritizer_pending_writes"] == 0)
            #expect(series["prioritizer_connections"] == 1)
            #expect(series["prioritizer_database_errors_total"] == 0)
            #expect(body.contains("# TYPE prioritizer_requests_total counter"))
            #expect(body.contains("# TYPE prioritizer_track_commit_seconds histogram"))
            // Monotonic counts are counters (rate() works), brought up to date at each scrape.
            #expect(body.contains("# TYPE prioritizer_connections_received_total counter"))
            #expect(body.contains("# TYPE prioritizer_protocol_errors_total counter"))
            #expect(series["prioritizer_connections_received_total"] == 1)

            // A PRIORITIZE run is a write of its own in the next batch.
            _ = try await client.prioritize(session: session, budget: 100, at: epochMs + 10_000)
            let after = exposition(try await httpGet(port: live.metricsPort, path: "/metrics").body)
            #expect(after["prioritizer_commit_batch_writes_sum"] == 6)
            #expect(after["prioritizer_track_commit_seconds_count"] == 5)
            #expect(after[#"prioritizer_requests_total{command="prioritize",result="ok"}"#] == 1)
            #expect(after["prioritizer_connections_received_total"] == 1, "a second scrape adds nothing new")
            try await client.close()
        }
    }

    /// An `optimal` packing cut short by `--packing-time-cap-ms` answers its best packing so far;
    /// its reply (the entries) cannot say so, so INFO counts it. Here the cap is zero: every
    /// optimal packing whose budget does not take everything is cut short.
    @Test func infoCountsOptimalPackingsCutShortByTheTimeCap() async throws {
        try await LiveServer.with(configuration: RunnerConfiguration(workers: 2, packingTimeCap: .zero)) { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            for (index, path) in ["a.swift", "b.swift", "c.swift"].enumerated() {
                _ = try await client.track(session: session, path: path, type: .code, access: .edit, tokens: 100 * (index + 1))
            }
            func cutShort() async throws -> Int? {
                try await client.infoFields("stats")["optimal_cut_short"].flatMap { Int($0) }
            }
            #expect(try await cutShort() == 0)
            // Everything fits: nothing to search, so not cut short. Heuristics are never counted.
            _ = try await client.prioritize(session: session, budget: 1000, strategy: .optimal, dryRun: true)
            _ = try await client.prioritize(session: session, budget: 250, strategy: .greedy, dryRun: true)
            _ = try await client.prioritize(session: session, budget: 250, strategy: .density)
            #expect(try await cutShort() == 0)
            let capped = try await client.prioritize(session: session, budget: 250, strategy: .optimal)
            #expect(capped.reduce(0) { $0 + $1.tokens } <= 250 && !capped.isEmpty)
            _ = try await client.prioritize(session: session, budget: 350, strategy: .optimal, dryRun: true)
            #expect(try await cutShort() == 2)
            try await client.close()
        }
    }

    /// INFO counts tracked events (SPEC: "commands, tracked events, commits, batch sizes"): the
    /// TRACKs committed, apart from the other writes (recorded PRIORITIZE runs) and from TRACKs
    /// refused.
    @Test func infoCountsTrackedEventsApartFromOtherWrites() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            let before = try await client.infoFields("stats")
            for path in ["a.swift", "b.swift", "a.swift"] {
                _ = try await client.track(session: session, path: path, type: .code, access: .view, tokens: 10)
            }
            _ = try await client.prioritize(session: session, budget: 100)
            _ = try await client.call(["SESSION.CLOSE", session])
            #expect(await errorLine { try await client.track(session: session, path: "c.swift", type: .code, access: .view) }
                == "ERR session is closed")
            let after = try await client.infoFields("stats")
            func delta(_ key: String) -> Int? {
                guard let was = before[key].flatMap({ Int($0) }), let now = after[key].flatMap({ Int($0) }) else { return nil }
                return now - was
            }
            #expect(delta("tracked_events") == 3)
            #expect(delta("writes_taken") == 4)
            try await client.close()
        }
    }

    @Test func healthIsOkThenUnavailableWithoutTheDatabaseThenOkAgain() async throws {
        try await LiveServer.with(metrics: true) { live in
            let healthy = try await httpGet(port: live.metricsPort, path: "/health")
            #expect(healthy.status == 200)
            #expect(healthy.body == "ok\n")
            #expect(try await httpGet(port: live.metricsPort, path: "/nothing-here").status == 404)

            let sql = try await PQConnection.connect(try TestDatabase.adminConninfo())
            try await ConnectionAndFailureTests.cutDatabase(live, sql)
            let down = try await httpGet(port: live.metricsPort, path: "/health")
            #expect(down.status == 503)
            #expect(down.body.hasPrefix("database: "), "\(down.body)")

            try await sql.executeScript("ALTER DATABASE \(live.database.name) ALLOW_CONNECTIONS true")
            await sql.close()
            let deadline = ContinuousClock.now + .seconds(20)
            var status = 0
            while status != 200 && ContinuousClock.now < deadline {
                status = try await httpGet(port: live.metricsPort, path: "/health").status
                if status != 200 { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(status == 200)

            // Shut down: no longer serving, whatever the database says.
            try await live.server.shutdown(gracePeriod: .seconds(5))
            let stopped = try await httpGet(port: live.metricsPort, path: "/health")
            #expect(stopped.status == 503)
            #expect(stopped.body.hasPrefix("not serving"), "\(stopped.body)")
        }
    }

    @Test func failedCommitsCountAsDatabaseErrors() async throws {
        try await LiveServer.with(metrics: true) { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            _ = try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 5)
            let sql = try await PQConnection.connect(try TestDatabase.adminConninfo())
            try await ConnectionAndFailureTests.cutDatabase(live, sql)
            let line = await errorLine { try await client.track(session: session, path: "a.swift", type: .code, access: .view) }
            #expect(line?.hasPrefix("TRYAGAIN ") == true, "\(line ?? "acknowledged")")
            try await sql.executeScript("ALTER DATABASE \(live.database.name) ALLOW_CONNECTIONS true")
            await sql.close()

            let series = exposition(try await httpGet(port: live.metricsPort, path: "/metrics").body)
            #expect((series["prioritizer_database_errors_total"] ?? 0) >= 1)
            #expect(series[#"prioritizer_requests_total{command="track",result="TRYAGAIN"}"#] == 1)
            #expect(series["prioritizer_track_commit_seconds_count"] == 1)
            try await client.close()
        }
    }
}

/// One HTTP/1.1 GET with `Connection: close`: the status code and the body.
func httpGet(port: Int, path: String) async throws -> (status: Int, body: String) {
    try await offloaded {
        let socket = try RawSocket(port: port, receiveTimeoutSeconds: 30)
        try socket.write("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let response = String(decoding: socket.readToEnd(), as: UTF8.self)
        guard let split = response.range(of: "\r\n\r\n") else { throw RawSocketError(description: "no HTTP response: \(response)") }
        let statusLine = response[..<split.lowerBound].prefix { $0 != "\r" }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw RawSocketError(description: "bad status line \(statusLine)") }
        return (status, String(response[split.upperBound...]))
    }
}

/// Prometheus' text format as series → value (comments skipped).
func exposition(_ text: String) -> [String: Double] {
    var series: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        series[String(line[..<space])] = value
    }
    return series
}
