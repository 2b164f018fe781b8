import Foundation
import Testing
@testable import PrioritizerStore

/// The resource-facts cache keeps only what was learned since its entries were last dropped.
@Suite struct ResourceFactsCacheTests {
    static let org = UUID()
    static func learned(tokens: Int) -> [String: ResourceFactsCache.Entry] {
        ["p.swift": ResourceFactsCache.Entry(
            resourceID: UUID(), facts: StoredResourceFacts(type: "CODE", sizeBytes: nil, tokenCount: tokens, contentSHA256: nil))]
    }

    /// A batch of period 1 commits; before it stores what it read (5 tokens), a batch written
    /// outside any period changes the row (9) and the period resumes. The late batch's facts
    /// must not come back: a later TRACK stating 5 would be skipped as already stored. Before,
    /// `remember` kept whatever it was given.
    @Test func factsLearnedBeforeTheEntriesWereDroppedAreNotKept() {
        let cache = ResourceFactsCache()
        let late = cache.entering(1)
        cache.writingOutsideAPeriod()
        let resumed = cache.entering(1)
        cache.remember(org: Self.org, Self.learned(tokens: 5), enteredAt: late)
        #expect(cache.entries(org: Self.org, paths: ["p.swift"])[0] == nil)
        // What the resumed period learns is kept.
        cache.remember(org: Self.org, Self.learned(tokens: 9), enteredAt: resumed)
        #expect(cache.entries(org: Self.org, paths: ["p.swift"])[0]?.facts.tokenCount == 9)
        // Dropped after a failed commit: nothing learned before is kept either.
        let beforeFailure = cache.entering(1)
        cache.removeAll()
        cache.remember(org: Self.org, Self.learned(tokens: 5), enteredAt: beforeFailure)
        #expect(cache.entries(org: Self.org, paths: ["p.swift"])[0] == nil)
    }

    /// Two batches in flight: A reads the row (5 tokens) without writing it, B writes 9 and
    /// commits first, then A commits. What A only read must not replace what B wrote: a later
    /// TRACK stating 5 would be skipped as already stored, leaving 9 in the row. Written facts
    /// still replace whatever was cached, and a read fills a path not cached.
    @Test func factsOnlyReadNeverReplaceFactsWritten() {
        let cache = ResourceFactsCache()
        let a = cache.entering(1), b = cache.entering(1)
        let resource = UUID()
        func entry(_ tokens: Int, onlyRead: Bool) -> [String: ResourceFactsCache.Entry] {
            ["p.swift": ResourceFactsCache.Entry(
                resourceID: resource, facts: StoredResourceFacts(type: "CODE", sizeBytes: nil, tokenCount: tokens, contentSHA256: nil),
                wasOnlyRead: onlyRead)]
        }
        cache.remember(org: Self.org, entry(9, onlyRead: false), enteredAt: b)
        cache.remember(org: Self.org, entry(5, onlyRead: true), enteredAt: a)
        #expect(cache.entries(org: Self.org, paths: ["p.swift"])[0]?.facts.tokenCount == 9)
        cache.remember(org: Self.org, entry(12, onlyRead: false), enteredAt: cache.entering(1))
        #expect(cache.entries(org: Self.org, paths: ["p.swift"])[0]?.facts.tokenCount == 12)
        let fresh = ResourceFactsCache()
        fresh.remember(org: Self.org, entry(5, onlyRead: true), enteredAt: fresh.entering(1))
        #expect(fresh.entries(org: Self.org, paths: ["p.swift"])[0]?.facts.tokenCount == 5)
    }

    /// Batches of one period, however many, keep what they learn.
    @Test func batchesOfOnePeriodKeepWhatTheyLearn() {
        let cache = ResourceFactsCache()
        let first = cache.entering(3)
        let second = cache.entering(3)
        cache.remember(org: Self.org, Self.learned(tokens: 5), enteredAt: first)
        cache.remember(org: Self.org, ["q.swift": Self.learned(tokens: 7)["p.swift"]!], enteredAt: second)
        #expect(cache.entries(org: Self.org, paths: ["p.swift", "q.swift"]).map { $0?.facts.tokenCount } == [5, 7])
    }
}
