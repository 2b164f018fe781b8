import Foundation
import Testing
import TestSupport

/// The scripts that compile Prioritization's sources by hand, outside the package (no target of
/// their own), still compile that way. Session 17 made Prioritization import CLibCrypto, and both
/// scripts failed with "no such module" until session 22 noticed: nothing ran them.
@Suite("Scripts that compile the sources by hand") struct ScriptBuildTests {
    @Test(arguments: ["scripts/tune-relations", "scripts/bench-packing.sh"])
    func sourcesTypecheck(_ script: String) async throws {
        let output = try await runTool(RepositoryFiles.url(script).path, ["--typecheck"], timeoutSeconds: 120)
        #expect(output.status == 0, "\(script) --typecheck: \(output.stderr.suffix(2000))")
    }
}
