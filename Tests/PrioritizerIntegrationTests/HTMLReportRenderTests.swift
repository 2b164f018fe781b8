import Foundation
import TestSupport
import PrioritizerClient
@testable import PrioritizerStore
import Testing

/// METRICS … FORMAT html through a real server, rendered by headless Chromium (Debian's
/// `chromium`, installed by scripts/install-deps).
@Suite("HTML report in a browser") struct HTMLReportRenderTests {
    static let chromium = "/usr/bin/chromium"

    @Test func reportRendersInHeadlessChromium() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium),
                     "headless rendering needs Debian's chromium: run scripts/install-deps as root")
        let html = try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(budget: 6000, label: "refactor <parser> & tests")
            try await Self.simulateEditing(client, session: session)
            _ = try await client.prioritize(session: session, budget: 6000)
            let html = try await client.metrics(session: session, format: .html)
            try await client.close()
            return html
        }
        #expect(html.contains("<title>Session report — refactor &lt;parser&gt; &amp; tests</title>"))
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

        let folder = FileManager.default.temporaryDirectory.appending(path: "prioritizer-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appending(path: "report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let screenshot = folder.appending(path: "report.png")

        let dom = try await Self.chromium(["--dump-dom", page.absoluteString], profile: folder.appending(path: "profile-dom"))
        #expect(dom.contains("<title>Session report — refactor &lt;parser&gt; &amp; tests</title>"), "\(dom.prefix(400))")
        #expect(dom.contains("<svg"))

        _ = try await Self.chromium(
            ["--screenshot=\(screenshot.path)", "--window-size=1280,1700", "--hide-scrollbars", page.absoluteString],
            profile: folder.appending(path: "profile-shot"))
        let png = try [UInt8](Data(contentsOf: screenshot))
        #expect(png.count > 20_000, "screenshot of \(png.count) bytes")
        let pixels = try PNGPixels(png)
        #expect(pixels.width == 1280 && pixels.height == 1700)
        // A blank page has one colour; text, bars and charts bring hundreds (anti-aliasing).
        #expect(pixels.distinctColours() > 50)
        if let keep = ProcessInfo.processInfo.environment["PRIORITIZER_KEEP_REPORT_PNG"] {
            try Data(png).write(to: URL(fileURLWithPath: keep))
        }
    }

    /// The hour of editing before now (the report values importance now): a few files edited
    /// often, many viewed once, a doc, generated code, and one hostile path.
    static func simulateEditing(_ client: PrioritizerClient, session: String) async throws {
        let epochMs = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        var at = epochMs
        let core = ["Sources/Parser/Lexer.swift", "Sources/Parser/Parser.swift", "Sources/Parser/AST.swift"]
        for round in 0..<12 {
            for (index, path) in core.enumerated() where (round + index) % 2 == 0 {
                _ = try await client.track(session: session, path: path, type: .code, access: round % 3 == 0 ? .edit : .view,
                                           tokens: 900 + 700 * index, modified: round % 3 == 0, at: at)
                at += 45_000
            }
        }
        for index in 0..<30 {
            _ = try await client.track(session: session, path: "Sources/Support/Helper\(index).swift", type: .code,
                                       access: .view, tokens: 80 + (index * 137) % 2400, at: epochMs + Int64(index) * 110_000)
        }
        _ = try await client.track(session: session, path: "docs/grammar.md", type: .documentation, access: .reference,
                                   tokens: 5200, at: epochMs + 600_000)
        _ = try await client.track(session: session, path: "Generated/Tokens.swift", type: .generated, access: .view,
                                   tokens: 14_000, at: epochMs + 1_200_000)
        _ = try await client.track(session: session, path: "Tests/ParserTests.swift", type: .code, access: .execute,
                                   tokens: 1500, at: epochMs + 3_000_000)
        _ = try await client.track(session: session, path: "<script>alert(1)</script>", type: .data, access: .view,
                                   tokens: 12, at: epochMs + 3_500_000)
    }

    /// Runs headless Chromium (as root it needs --no-sandbox) with a profile of its own, bounded
    /// in time; returns its standard output.
    static func chromium(_ arguments: [String], profile: URL) async throws -> String {
        try await offloaded {
            let outcome = try ChildProcess.run(Self.chromium, [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--user-data-dir=\(profile.path)",
            ] + arguments, separateErrors: true, timeout: .seconds(120))
            guard outcome.status == 0 else {
                throw RawSocketError(description: "chromium exited with \(outcome.status)")
            }
            return outcome.output
        }
    }
}
