import Foundation
import PQ
import Prioritization

/// A group's open events folded into one update per session-resource row, since one statement
/// may not update a row twice, with which row each event went into.
///
/// Rows are addressed by their index from then on: the access counts the statement returns are
/// matched to rows once, and each event finds its row's count by index, where keying both by
/// (session, resource) hashed two UUIDs three times an event.
struct FoldedAccesses {
    /// In the order rows are locked in: session, then path (concurrent batches cannot deadlock).
    private(set) var rows: [SessionResourceDelta] = []
    /// For each event, the index of its row in `rows`.
    private(set) var eventRows: [Int] = []
    /// The half-life in seconds of each session the rows belong to.
    private(set) var halfLives: [UUID: Double] = [:]
    /// Each row's index in the order rows were first met, by its key; `position` maps it to
    /// its index in `rows`.
    private var rowOf: [Key: Int] = [:]
    private var position: [Int] = []

    /// A session-resource row's identity.
    private struct Key: Hashable {
        let session: UUID
        let resource: UUID
    }

    init() {}

    /// `resources`: each event's resource id; `halfLives`: at least the events' sessions' half-lives.
    init(_ events: [TrackedAccess], resources: [UUID], halfLives allHalfLives: [UUID: Double], model: ImportanceModel) {
        var folded: [SessionResourceDelta] = []
        var slots: [Int] = []
        slots.reserveCapacity(events.count)
        rowOf.reserveCapacity(events.count)
        events.forEachRun(by: { $0.sessionID }) { sessionID, run in
            let halfLife = allHalfLives[sessionID]!
            halfLives[sessionID] = halfLife
            for index in run {
                let event = events[index]
                let key = Key(session: sessionID, resource: resources[index])
                let slot = rowOf[key] ?? {
                    folded.append(SessionResourceDelta(sessionID: sessionID, resourceID: resources[index], path: event.path))
                    rowOf[key] = folded.count - 1
                    return folded.count - 1
                }()
                folded[slot].absorb(event, weight: model.weight(for: event.access), halfLifeMilliseconds: halfLife * 1000)
                slots.append(slot)
            }
        }
        let order = folded.indices.sorted {
            folded[$0].sessionID == folded[$1].sessionID
                ? folded[$0].path < folded[$1].path : folded[$0].sessionID < folded[$1].sessionID
        }
        position = [Int](repeating: 0, count: folded.count)
        for (sorted, slot) in order.enumerated() { position[slot] = sorted }
        rows = order.map { folded[$0] }
        eventRows = slots.map { position[$0] }
    }

    /// Each row's access count after the batch, by row index, from the statement's returned
    /// `session_id, resource_id, access_count` rows (nil for a row not returned).
    func accessCounts(in returned: PQRows) throws -> [Int64?] {
        var counts = [Int64?](repeating: nil, count: rows.count)
        for row in returned {
            let key = Key(session: try row.decode(0), resource: try row.decode(1))
            if let slot = rowOf[key] { counts[position[slot]] = try row.decode(2) }
        }
        return counts
    }
}
