import Foundation
import Testing
@testable import Prioritization

@Suite struct MetricsReportTests {
    static let t0: Int64 = 1_700_000_000_000

    /// A session with five resources, prioritized into a budget that fits two of them.
    static func prioritizedSession() -> (SessionState, PrioritizationRunSummary) {
        var state = SessionState()
        state.apply(AccessEvent(path: "src/main.swift", type: .code, access: .edit, at: t0, modified: true, tokens: 300))
        state.apply(AccessEvent(path: "src/main.swift", type: .code, access: .view, at: t0 + 1000))
        state.apply(AccessEvent(path: "README.md", type: .documentation, access: .view, at: t0, tokens: 200))
        state.apply(AccessEvent(path: "data.json", type: .data, access: .reference, at: t0, tokens: 900))
        state.apply(AccessEvent(path: "notes.md", type: .research, access: .execute, at: t0 - 3_600_000, tokens: 50))
        state.apply(AccessEvent(path: "unknown.bin", type: .generated, access: .view, at: t0))
        let at = t0 + 2000
        let result = Packer.pack(state.candidates(at: at), PackingRequest(budget: 600, strategy: .optimal))
        state.markIncluded(result.chosenPaths)
        let summary = PrioritizationRunSummary(result: result, totalImportance: state.totalImportance(at: at), at: at)
        return (state, summary)
    }

    @Test func includedInContextIsTheLatestChosenSetNotImportanceAboveZero() {
        let (state, run) = Self.prioritizedSession()
        let report = MetricsReport(sessionID: "s-1", state: state, lastRun: run, at: run.at)
        // Every resource has importance > 0; only the chosen ones count as included.
        #expect(state.resources.values.allSatisfy { state.importance(of: $0, at: run.at) > 0 })
        #expect(report.includedResources == run.chosenCount)
        #expect(report.includedResources == state.includedPaths.count)
        #expect(report.includedTokens == run.chosenTokens)
        #expect(report.includedTokens <= 600)
        #expect(report.totalResources == 5)
        #expect(report.unknownTokenResources == 1)
        #expect(report.trackedTokens == 300 + 200 + 900 + 50)
        #expect(report.resourcesByType == ["CODE": 1, "DOCUMENTATION": 1, "DATA": 1, "RESEARCH": 1, "GENERATED": 1])
        #expect(report.accessesByType == ["VIEW": 3, "EDIT": 1, "EXECUTE": 1, "REFERENCE": 1])
        #expect(report.topResources.count == 5)
        #expect(report.topResources.first?.path == "src/main.swift")
        #expect(report.lastRun?.strategy == "OPTIMAL")
        #expect(abs(report.lastRun!.budgetUse - Double(run.chosenTokens) / 600) < 1e-12)
        #expect(report.lastRun!.capturedShare > 0 && report.lastRun!.capturedShare <= 1)
    }

    @Test func markdownHasTheSeedSectionsCorrected() {
        let (state, run) = Self.prioritizedSession()
        let text = MetricsReport(sessionID: "s-1", state: state, lastRun: run, at: run.at).markdown()
        for heading in ["# Session Resource Metrics", "## Overview", "## Latest Prioritization", "## Resources by Type",
                        "## Accesses by Type", "## Top Resources by Importance"] {
            #expect(text.contains(heading + "\n"), "\(heading)")
        }
        #expect(text.contains("- Session ID: s-1\n"))
        #expect(text.contains("- Included in Context: \(run.chosenCount) (chosen by the latest prioritization)\n"))
        #expect(text.contains("- Included Tokens: \(run.chosenTokens)\n"))
        #expect(text.contains("- Strategy: OPTIMAL\n"))
        #expect(text.contains("- Budget: 600 tokens\n"))
        #expect(text.contains("- GENERATED: 1\n"))
        #expect(text.contains("- REFERENCE: 1\n"))
        #expect(text.contains("- src/main.swift (Importance: "))
        #expect(text.contains("Tokens: Unknown"))
    }

    /// Token counts of up to 2^53 each (the protocol's bound): their sum saturates instead of
    /// trapping, which took the whole server down with a METRICS over 1,024 such resources.
    @Test func tokenSumsBeyondInt64Saturate() {
        var state = SessionState()
        for index in 0..<1_100 {
            state.apply(AccessEvent(path: "p\(index)", type: .code, access: .view, at: Self.t0, tokens: 1 << 53))
        }
        let included = (0..<1_100).map { "p\($0)" }
        state.markIncluded(included)
        let report = MetricsReport(sessionID: "s-1", state: state, lastRun: nil, at: Self.t0)
        #expect(report.trackedTokens == Int.max)
        #expect(report.includedTokens == Int.max)
    }

    @Test func jsonCarriesTheSameFactsUnderStableKeys() throws {
        let (state, run) = Self.prioritizedSession()
        let report = MetricsReport(sessionID: "s-1", state: state, lastRun: run, at: run.at)
        let json = report.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == [
            "session_id", "at", "halflife_seconds", "total_resources", "total_accesses", "tracked_tokens",
            "unknown_token_resources", "modified_resources", "included_resources", "included_tokens",
            "total_importance", "included_importance", "resources_by_type", "accesses_by_type", "top_resources",
            "last_run",
        ])
        let lastRun = try #require(object["last_run"] as? [String: Any])
        #expect(lastRun["chosen_count"] as? Int == run.chosenCount)
        #expect(lastRun["strategy"] as? String == "OPTIMAL")
        #expect(lastRun["budget_use"] != nil && lastRun["captured_share"] != nil && lastRun["duration_us"] != nil)
        #expect(object["included_resources"] as? Int == report.includedResources)
        let decoded = try JSONDecoder().decode(MetricsReport.self, from: Data(json.utf8))
        #expect(decoded.includedTokens == report.includedTokens)
        #expect(decoded.topResources.map(\.path) == report.topResources.map(\.path))
        #expect(json == report.json())  // stable text
    }

    @Test func reportBeforeAnyPrioritization() {
        var state = SessionState()
        state.apply(AccessEvent(path: "a.swift", type: .code, access: .view, at: Self.t0, tokens: 5))
        let report = MetricsReport(sessionID: "s-2", state: state, lastRun: nil, at: Self.t0)
        #expect(report.includedResources == 0 && report.lastRun == nil)
        #expect(report.markdown().contains("## Latest Prioritization\n\n- None yet\n"))
        #expect(report.json().contains("\"included_resources\":0"))
    }
}
