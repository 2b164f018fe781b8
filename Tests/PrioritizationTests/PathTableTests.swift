@testable import Prioritization
import Testing
import TestSupport

/// `PathTable.precedes` (how pruning breaks ties) against String's `<`: ASCII paths compared by
/// their bytes, the others (precomposed and decomposed accents, which String treats as equal)
/// through `<`, prefixes of each other, and the empty path.
@Suite struct PathTableTests {
    @Test func precedesOrdersPathsAsStringsDo() {
        var random = SeededGenerator(seed: 11)
        let pieces = ["a", "b", "B", "/", "_", "0", "9", "src/", "é", "e\u{301}", "z\u{308}", "~", "ß", "日本"]
        var table = PathTable()
        var paths: [String] = [""]
        _ = table.intern("")
        for _ in 0..<300 {
            let path = (0..<Int(random.next() % 6)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            if table.id(of: path) == nil { paths.append(path) }
            _ = table.intern(path)
        }
        #expect(paths.count == table.count)
        for first in paths {
            for second in paths {
                let (a, b) = (table.id(of: first)!, table.id(of: second)!)
                #expect(table.precedes(a, b) == (first < second), "\(first.debugDescription) < \(second.debugDescription)")
            }
        }
    }
}
