import Foundation
import Testing
@testable import Prioritization

@Suite struct SessionReportPageTests {
    static let hostile = "<script>alert(1)</script>"

    static func page(label: String? = "fix the \"parser\" & co") -> String {
        let (prioritized, run) = MetricsReportTests.prioritizedSession()
        var state = prioritized
        state.apply(AccessEvent(path: hostile, type: .code, access: .view, at: run.at - 500, tokens: 40))
        let report = MetricsReport(sessionID: "s-1", state: state, lastRun: run, at: run.at)
        return SessionReportPage(report: report, label: label, resources: ReportResourcePoint.all(in: state, at: run.at)).html()
    }

    @Test func userTextIsEscapedEverywhere() {
        let html = Self.page(label: Self.hostile)
        #expect(!html.contains(Self.hostile))
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<title>Session report — &lt;script&gt;alert(1)&lt;/script&gt;</title>"))
        #expect(HTMLText.escape(#"a<b>&"c"'d"#) == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d")
    }

    @Test func pageIsSelfContainedWithEveryResourcePlotted() {
        let html = Self.page()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Session report — fix the &quot;parser&quot; &amp; co</title>"))
        // No fetch of any kind: no scripts, no external stylesheets, images or fonts.
        for forbidden in ["<script", "<link", "src=", "href=", "url(", "@import", "http://", "https://"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        // Five resources of known size in the scatter (the unknown one is mentioned instead),
        // each with a tooltip; the chosen ones are drawn as included.
        let state = MetricsReportTests.prioritizedSession().0
        let plotted = html.components(separatedBy: "<circle cx=").count - 1
        let timelineDots = 2 * (state.resources.count + 1)  // first and last access of each row
        #expect(plotted == 5 + timelineDots)
        #expect(html.contains("1 of unknown size not shown"))
        #expect(html.contains("class=\"in\"><title>src/main.swift"))
        #expect(html.contains("Budget"))
        #expect(html.contains("Access timeline"))
    }

    @Test func sessionWithoutRunOrResourcesStillRenders() {
        let report = MetricsReport(sessionID: "empty", state: SessionState(), lastRun: nil, at: 0)
        let html = SessionReportPage(report: report, label: nil, resources: []).html()
        #expect(html.contains("<title>Session report — empty</title>"))
        #expect(html.contains("No prioritization yet"))
        #expect(html.contains("No access yet"))
    }

    @Test func resourcesAreRankedMostImportantFirst() {
        let (state, run) = MetricsReportTests.prioritizedSession()
        let points = ReportResourcePoint.all(in: state, at: run.at)
        #expect(points.map(\.path) == state.top(points.count, at: run.at).map(\.resource.path))
    }
}
