import Foundation
import PQ
import Prioritization
import PrioritizerStore

// Usage: store-bench CONNINFO SECONDS BATCH COMMITTERS
// Persists synthetic TRACK events (8 sessions split among the committers, 2,000 paths) through PostgresResourceService.commit in batches of BATCH,
// from COMMITTERS concurrent committers (as the server's runners do), for SECONDS, then prints
// "events_per_second N" and checks the access_logs row count.
let arguments = CommandLine.arguments
guard arguments.count == 5, let seconds = Double(arguments[2]), let batchSize = Int(arguments[3]),
      let committers = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: store-bench CONNINFO SECONDS BATCH COMMITTERS\n".utf8))
    exit(2)
}
let conninfo = arguments[1]

let setup = try await PQConnection.connect(conninfo)
try await Migrator().migrate(setup)
let service = PostgresResourceService(conninfo: conninfo, connections: committers)
let orgName = "bench-\(UUID().uuidString.prefix(8))"
let (org, admin) = try await service.createOrganization(name: orgName)
var created: [UUID] = []
for index in 0..<8 {
    created.append(try await service.createSession(
        orgID: org.orgID, NewSession(agentID: admin.agent.agentID, label: "bench \(index)")).sessionID)
}
let sessions = created
let logsBefore = try await setup.query("SELECT count(*) FROM prioritizer.access_logs")[0].decode(0, as: Int.self)

/// A deterministic stream of realistic events: 8 sessions, 2,000 paths, mixed access types.
struct EventSource {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
}

/// Commits batches from `committers` concurrent tasks until `deadline`; returns events committed.
func commitUntil(
    _ deadline: Date, service: PostgresResourceService, orgID: UUID, agentID: UUID, sessions: [UUID],
    batchSize: Int, committers: Int
) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for committer in 0..<committers {
            group.addTask {
                var source = EventSource(state: UInt64(committer + 1))
                // Like the server's runners, each committer owns its own sessions.
                let owned = sessions.indices.filter { $0 % committers == committer }.map { sessions[$0] }
                var committed = 0
                var clock: Int64 = 1_700_000_000_000
                let accesses = AccessType.allCases
                while Date() < deadline {
                    var batch = WriteBatch()
                    batch.events.reserveCapacity(batchSize)
                    for _ in 0..<batchSize {
                        clock += 37
                        let module = source.next() % 40, file = source.next() % 50
                        let path = "src/module\(module)/file\(file).swift"
                        batch.events.append(TenantItem(orgID: orgID, TrackedAccess(
                            sessionID: owned[Int(source.next() % UInt64(owned.count))], agentID: agentID, path: path,
                            type: .code, access: accesses[Int(source.next() % 4)], at: clock,
                            modified: source.next() % 5 == 0, sizeBytes: 4_000,
                            // A file's size is stable between edits: most events repeat the known count.
                            tokenCount: 1_000 + Int((module * 50 + file) % 500))))
                    }
                    try await service.commit(batch)
                    committed += batchSize
                }
                return committed
            }
        }
        return try await group.reduce(0, +)
    }
}

let started = Date()
let total = try await commitUntil(
    started.addingTimeInterval(seconds), service: service, orgID: org.orgID, agentID: admin.agent.agentID,
    sessions: sessions, batchSize: batchSize, committers: committers)
let elapsed = Date().timeIntervalSince(started)
let logsAfter = try await setup.query("SELECT count(*) FROM prioritizer.access_logs")[0].decode(0, as: Int.self)
print("events \(total)")
print("seconds \(String(format: "%.2f", elapsed))")
print("events_per_second \(Int(Double(total) / elapsed))")
print("log_rows_added \(logsAfter - logsBefore)")
if logsAfter - logsBefore != total {
    FileHandle.standardError.write(Data("log rows (\(logsAfter - logsBefore)) differ from committed events (\(total))\n".utf8))
    exit(1)
}
await service.pool.close()
await setup.close()
