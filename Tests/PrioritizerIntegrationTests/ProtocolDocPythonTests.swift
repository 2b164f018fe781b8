import Foundation
import Testing
import TestSupport

/// The redis-py examples of docs/protocol.md run against a live server: the first block (the
/// connection and a session `S`) is the preamble of every other block, which then runs in doc
/// order, each with a fresh session that has two resources and one prioritization.
@Suite("docs/protocol.md redis-py examples") struct ProtocolDocPythonTests {
    static let driver = #"""
    import json, sys, traceback
    port, token = sys.argv[1], sys.argv[2]
    blocks = json.load(sys.stdin)
    def local(code):
        return code.replace("port=7420", "port=" + port)
    preamble, examples = local(blocks[0]["body"]), blocks[1:]
    setup = (
        'r.execute_command("TRACK", S, "src/parser.swift", "code", "edit", "TOKENS", 1200, "MODIFIED")\n'
        'r.execute_command("TRACK", S, "README.md", "documentation", "view", "CONTENT", "# Parser")\n'
        'r.execute_command("PRIORITIZE", S, 2000)\n'
    )
    ran = 0
    for block in examples:
        namespace = {"TOKEN": token}
        try:
            exec(preamble + "\n" + setup, namespace)
            exec(local(block["body"]), namespace)
            ran += 1
        except Exception as error:
            print("FAIL", block["heading"], "|", type(error).__name__, error, "|", block["body"].replace("\n", " / "))
    print("RAN", ran, "OF", len(examples))
    """#

    @Test func everyPythonBlockRuns() async throws {
        let redisPy = try await runTool("python3", ["-c", "import redis"])
        try #require(redisPy.status == 0, "redis-py is missing: scripts/install-deps installs it (pip install redis)")
        let blocks = RepositoryFiles.fencedBlocks("python", in: try RepositoryFiles.text("docs/protocol.md"))
        #expect(blocks.count >= 20)
        #expect(blocks.first?.body.contains("redis.Redis(") == true, "the first python block connects")
        let input = try JSONSerialization.data(withJSONObject: blocks.map { ["heading": $0.heading, "body": $0.body] })

        try await LiveServer.with { live in
            let output = try await runTool(
                "python3", ["-c", Self.driver, String(live.port), live.acme.token],
                input: String(decoding: input, as: UTF8.self), timeoutSeconds: 120)
            #expect(output.status == 0, "\(output.stderr)")
            for line in output.lines where line.hasPrefix("FAIL") { Issue.record("\(line)") }
            #expect(output.lines.last == "RAN \(blocks.count - 1) OF \(blocks.count - 1)", "\(output.stdout)")
        }
    }
}
