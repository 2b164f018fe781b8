import Benchmark
import NIOCore
import Prioritization
import PrioritizerServer

// The server's hot paths, each measured alone: what one TRACK costs before it reaches the
// database (decode + parse + importance update, and learning co-access relations), what one
// PRIORITIZE costs in packing, and what exact token counting costs per kilobyte. Run:
// `swift package benchmark` in this folder, or `scripts/bench`, which prints them beside the
// end-to-end figures.

/// A pipelined burst of TRACK requests exactly as redis-benchmark sends them.
private func trackBurst(count: Int) -> ByteBuffer {
    var buffer = ByteBuffer()
    let session = "0f8fad5b-d9cb-469f-a165-70867728950e"
    for index in 0..<count {
        let words = ["TRACK", session, "src/file\(index % 1000).swift", "code", "view", "TOKENS", "1200"]
        buffer.writeString("*\(words.count)\r\n")
        for word in words { buffer.writeString("$\(word.utf8.count)\r\n\(word)\r\n") }
    }
    return buffer
}

/// A session of `count` resources with spread-out token counts and mixed access histories,
/// the same every run (multiplicative hashing of the index, no generator needed).
private func filledSession(resources count: Int) -> SessionState {
    var state = SessionState()
    let accesses = AccessType.allCases
    for index in 0..<count {
        let mix = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        let tokens = 50 + Int((mix >> 20) % 4000)
        for repeatIndex in 0...Int((mix >> 40) % 3) {
            _ = state.apply(AccessEvent(
                path: "src/m\(index % 97)/f\(index).swift", type: .code,
                access: accesses[Int((mix >> 50) &+ UInt64(repeatIndex)) % accesses.count],
                at: 1_700_000_000_000 + Int64(index * 1000 + repeatIndex * 17), tokens: tokens))
        }
    }
    return state
}

private let sampleText: String = {
    // About 4 KB of Swift-like source: identifiers, punctuation, numbers, indentation.
    var text = ""
    var line = 0
    while text.utf8.count < 4096 {
        text += "    let value\(line) = compute(index: \(line * 37), name: \"item_\(line)\") // step \(line)\n"
        line += 1
    }
    return text
}()

/// What relation learning sees under the 100k-random-path TRACK benchmark: 100,000 accesses from
/// 8 sessions over 100,000 paths, 10 ms apart (all within one relation window, so every access
/// has a full window of partners and the organization bound is crossed again and again). The same
/// every run: session and path are hashed from the index.
private let relationStream: [(session: Int, path: String)] = {
    let paths = (0..<100_000).map { "src/m\($0 % 97)/f\($0).swift" }
    return (0..<100_000).map { index in
        let mix = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        let hashed = (mix ^ (mix >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return (Int(hashed >> 61), paths[Int((hashed >> 17) % 100_000)])
    }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    Benchmark("RESP decode + parse, 1,000 pipelined TRACKs", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let burst = trackBurst(count: 1000)
        let table = CommandTable.standard
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations.lowerBound..<(benchmark.scaledIterations.upperBound / 1000) {
            var buffer = burst
            var decoder = RESPRequestDecoder()
            while case .request(let request) = try decoder.decodeRequest(from: &buffer) {
                blackHole(try table.parse(request))
            }
        }
    }

    Benchmark("Importance update (SessionState.apply), 1,000 paths", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var state = filledSession(resources: 1000)
        var clock: Int64 = 1_800_000_000_000
        let paths = (0..<1000).map { "src/m\($0 % 97)/f\($0).swift" }
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            clock += 13
            blackHole(state.apply(AccessEvent(
                path: paths[iteration % 1000], type: .code, access: .view, at: clock, tokens: 900)))
        }
    }

    for (resources, budget) in [(1000, 8000), (10_000, 128_000)] {
        for strategy in [PackingStrategy.optimal, .density, .greedy] {
            // What PRIORITIZE does: the session valued into columns, ties broken by path ranks.
            Benchmark("Packing \(strategy.rawValue.lowercased()), \(resources) resources, budget \(budget)") { benchmark in
                var state = filledSession(resources: resources)
                state.preparePathRanks()
                let ranks = state.resources.pathRanks!
                let now: Int64 = 1_700_000_000_000 + Int64(resources * 1000)
                let request = PackingRequest(budget: budget, strategy: strategy)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(Packer.pack(state.packingCandidates(at: now), request, pathRanks: ranks))
                }
            }
        }
    }

    // One iteration is the whole stream on an empty graph (pruning included): divide by 100,000
    // for the cost of one TRACK's learning. Instructions need perf events; where a VM has none,
    // `scripts/tune-relations --learning` runs the same stream under callgrind.
    Benchmark(
        "Relation learning (CoAccessGraph.observe), 100,000 TRACKs, 8 sessions, 100k paths",
        configuration: .init(metrics: [.wallClock, .instructions, .mallocCountTotal], scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 5)
    ) { benchmark in
        let stream = relationStream
        benchmark.startMeasurement()
        var graph = CoAccessGraph()
        var windows = Array(repeating: CoAccessWindow(), count: 8)
        var clock: Int64 = 1_700_000_000_000
        for access in stream {
            clock += 10
            graph.observe(access.path, tokens: 1200, at: clock, in: &windows[access.session])
        }
        blackHole(graph.relationCount)
    }

    Benchmark("BPE count, o200k_base, 4 KB of source", configuration: .init(scalingFactor: .one)) { benchmark in
        let tokenizer = try Tokenizer.shared(.o200kBase)
        blackHole(tokenizer.count(sampleText))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(tokenizer.count(sampleText))
        }
    }
}
