import Foundation
@testable import PrioritizerStore
import Testing
import TestSupport

/// The scripts that compile Prioritization's sources by hand, outside the package (no target of
/// their own), still compile that way. Session 17 made Prioritization import CLibCrypto, and both
/// scripts failed with "no such module" until session 22 noticed: nothing ran them.
@Suite("Scripts that compile the sources by hand") struct ScriptBuildTests {
    @Test(arguments: ["scripts/tune-relations", "scripts/bench-packing.sh"])
    func sourcesTypecheck(_ script: String) async throws {
        // The server's own posix_spawn runner, not Foundation's `Process`: on Linux its `run()`
        // reads past the end of a directory entry while listing /proc/self/fd, which crashed this
        // test process once in session 22 (swift-corelibs-foundation #5472, still in Swift 6.3.1).
        let output = try await offloaded { try ChildProcess.run(RepositoryFiles.url(script).path, ["--typecheck"]) }
        #expect(output.status == 0, "\(script) --typecheck: \(output.output.suffix(2000))")
    }
}
