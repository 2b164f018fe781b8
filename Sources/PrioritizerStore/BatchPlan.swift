import Foundation
import PQ
import Prioritization

/// A write batch split by organization, in the order organizations first appear, so each group
/// is written under its own row-level-security setting inside the one transaction.
struct BatchPlan: Sendable {
    struct OrgGroup: Sendable {
        let orgID: UUID
        var events: [TrackedAccess] = []
        /// Where each of `events` stands in the batch's events.
        var eventIndices: [Int] = []
        var runs: [PrioritizationRunRecord] = []
    }

    let groups: [OrgGroup]
    let model: ImportanceModel

    init(batch: WriteBatch, model: ImportanceModel) {
        var groups: [OrgGroup] = []
        var slots: [UUID: Int] = [:]
        func slot(_ orgID: UUID) -> Int {
            if let slot = slots[orgID] { return slot }
            groups.append(OrgGroup(orgID: orgID))
            slots[orgID] = groups.count - 1
            return groups.count - 1
        }
        // An organization's id is looked up once per run of its events, not once per event.
        batch.events.forEachRun(by: { $0.orgID }) { orgID, run in
            let group = slot(orgID)
            for index in run {
                groups[group].events.append(batch.events[index].value)
                groups[group].eventIndices.append(index)
            }
        }
        for item in batch.runs {
            groups[slot(item.orgID)].runs.append(item.value)
        }
        self.groups = groups
        self.model = model
    }
}

/// What a batch changes in one resource row: the latest known facts, by event time.
///
/// The type follows the latest event in time; size, tokens and content hash are the last ones
/// reported (arrival order), as the server's in-memory session state keeps them.
struct ResourceUpsert {
    let path: String
    var type: ResourceType
    var sizeBytes: Int?
    var tokenCount: Int?
    var contentSHA256: [UInt8]?
    var typeAt: Int64

    init(_ event: TrackedAccess) {
        path = event.path
        type = event.type
        typeAt = event.at
        absorb(event)
    }

    mutating func absorb(_ event: TrackedAccess) {
        if event.at >= typeAt { type = event.type; typeAt = event.at }
        if let size = event.sizeBytes { sizeBytes = size }
        if let tokens = event.tokenCount { tokenCount = tokens }
        if let hash = event.contentSHA256 { contentSHA256 = hash }
    }
}

/// A resource row's facts as stored, to tell whether a batch changes them.
struct StoredResourceFacts {
    let type: String
    let sizeBytes: Int?
    let tokenCount: Int?
    let contentSHA256: [UInt8]?

    init(type: String, sizeBytes: Int?, tokenCount: Int?, contentSHA256: [UInt8]?) {
        self.type = type
        self.sizeBytes = sizeBytes
        self.tokenCount = tokenCount
        self.contentSHA256 = contentSHA256
    }

    /// Reads `type, size_bytes, token_count, content_sha256` starting at column `first`.
    init(_ row: PQRow, from first: Int) throws {
        self.init(
            type: try row.decode(first), sizeBytes: try row.decode(first + 1), tokenCount: try row.decode(first + 2),
            contentSHA256: try row.decode(first + 3, as: PQBytes?.self)?.bytes)
    }

    /// Whether writing `wanted` would change the row (nil facts keep what is stored).
    func differs(from wanted: ResourceUpsert) -> Bool {
        wanted.type.rawValue != type
            || (wanted.sizeBytes != nil && wanted.sizeBytes != sizeBytes)
            || (wanted.tokenCount != nil && wanted.tokenCount != tokenCount)
            || (wanted.contentSHA256 != nil && wanted.contentSHA256 != contentSHA256)
    }
}

/// The batch's accesses to one resource in one session, folded into one row update.
struct SessionResourceDelta {
    let sessionID: UUID
    let resourceID: UUID
    /// What rows are ordered by, so that concurrent batches lock them in one order.
    let path: String
    var score: DecayedScore = .zero
    var counts = AccessCounts()
    var modified = false
    var firstAccessAt = Int64.max
    var lastAccessAt = Int64.min
    var tokenCount: Int?

    init(sessionID: UUID, resourceID: UUID, path: String) {
        self.sessionID = sessionID
        self.resourceID = resourceID
        self.path = path
    }

    mutating func absorb(_ event: TrackedAccess, weight: Double, halfLifeMilliseconds: Double) {
        score.add(weight, at: event.at, halfLifeMilliseconds: halfLifeMilliseconds)
        counts.record(event.access)
        modified = modified || event.modified
        firstAccessAt = min(firstAccessAt, event.at)
        lastAccessAt = max(lastAccessAt, event.at)
        if let tokens = event.tokenCount { tokenCount = tokens }
    }
}

extension Date {
    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }

    /// Unix milliseconds, as the protocol reports times (`created_at`).
    public var unixMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }
}
