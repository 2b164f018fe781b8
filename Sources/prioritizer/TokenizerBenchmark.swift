import Foundation
import Prioritization

/// `prioritizer tokens --benchmark FILE...`: single-thread throughput of the exact tokenizer on
/// the given files, the table load timed apart. Used by scripts/bench-tokenizer.
struct TokenizerBenchmark {
    let encoding: TokenEncoding
    let files: [String]

    func run() throws {
        let loadStart = ContinuousClock.now
        let tokenizer = try Tokenizer.shared(encoding)
        let loadTime = ContinuousClock.now - loadStart

        // Decoding happens before timing, as Python hands tiktoken ready-made strings too.
        let texts = try files.map { String(decoding: try FileBytes.read(path: $0), as: UTF8.self) }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }

        var tokens = 0
        let countTime = measure {
            tokens = texts.reduce(0) { $0 + tokenizer.count($1) }
        }
        var encoded = 0
        let encodeTime = measure {
            encoded = texts.reduce(0) { $0 + tokenizer.encode($1).count }
        }
        precondition(encoded == tokens, "encode and count disagree")

        print(
            "encoding=\(encoding.rawValue) files=\(texts.count) bytes=\(bytes) tokens=\(tokens)"
                + " load_ms=\(format(milliseconds(loadTime)))"
                + " count_mbps=\(format(Double(bytes) / 1e6 / seconds(countTime)))"
                + " encode_mbps=\(format(Double(bytes) / 1e6 / seconds(encodeTime)))")
    }

    /// Best of three runs: the machine is shared, and the minimum is the least disturbed reading.
    private func measure(_ body: () -> Void) -> Duration {
        (0..<3).map { _ in ContinuousClock().measure(body) }.min()!
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
