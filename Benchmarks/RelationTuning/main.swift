import Foundation

// Tunes the co-access relation constants on a workload's FIRST half of sessions and reports the
// chosen ones on the SECOND half (guarding against overfitting). Built by scripts/tune-relations
// straight from the Prioritization sources.

let arguments = CommandLine.arguments
let fixture = URL(fileURLWithPath: arguments.firstIndex(of: "--fixture").map { arguments[$0 + 1] }
    ?? "Benchmarks/Fixtures/ripgrep-history.jsonl")
/// Resident memory in bytes (Linux /proc/self/statm).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

if arguments.contains("--memory") {
    // 100,000 directed relations: 50,000 related pairs among 6,250 paths of realistic length,
    // 16 neighbours each (the bound per resource), plus each path's token count.
    let before = residentBytes()
    var graph = CoAccessGraph()
    let paths = (0..<6_250).map { "crates/core/src/module\($0 / 100)/component_\($0).rs" }
    var pairs = 0
    for (index, path) in paths.enumerated() {
        graph.setTokens(1_000 + index, for: path)
        for step in 1...8 where pairs < 50_000 {
            graph.strengthen(path, paths[(index + step * 97) % paths.count], by: 1, at: 1_700_000_000_000 + Int64(pairs))
            pairs += 1
        }
    }
    _ = graph.takeChanges()
    let after = residentBytes()
    print("relations: \(graph.relationCount), resident memory added: \((after - before) / 1_048_576) MiB (\((after - before) / max(1, graph.relationCount)) bytes per relation)")
    exit(0)
}

/// Relation learning alone, as the 100k-random-path TRACK benchmark feeds it: 100,000 accesses
/// from 8 sessions over 100,000 paths, 10 ms apart — the stream of the micro-benchmark
/// "Relation learning" (Benchmarks/HotPaths). A function of its own so that callgrind can count
/// its instructions alone: `valgrind --tool=callgrind --toggle-collect='*learnStream*'
/// .build-release/relation-tuning --learning`.
@inline(never)
func learnStream(_ stream: [(session: Int, path: String)]) -> CoAccessGraph {
    var graph = CoAccessGraph()
    var windows = Array(repeating: CoAccessWindow(), count: 8)
    var clock: Int64 = 1_700_000_000_000
    for access in stream {
        clock += 10
        graph.observe(access.path, tokens: 1200, at: clock, in: &windows[access.session])
    }
    return graph
}

/// The accesses `range` of the learning stream: session and path hashed from the index.
func learningStream(_ range: Range<Int>, paths count: Int) -> [(session: Int, path: String)] {
    let paths = (0..<count).map { "src/m\($0 % 97)/f\($0).swift" }
    return range.map { index in
        let mix = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        let hashed = (mix ^ (mix >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return (session: Int(hashed >> 61), path: paths[Int((hashed >> 17) % UInt64(count))])
    }
}

/// Relation learning in a server that has run a while: the graph already at its bound, and its
/// changes taken as the registry's periodic write takes them (1,000 per flush, one flush per
/// 25,000 accesses: a second at the TRACK benchmark's rate), so relations dropped after being
/// written wait for their DELETE. `--learning-steady [paths]` warms on 400,000 accesses, then
/// times (and callgrind counts, `--toggle-collect='*learnSteadily*'`) the next 100,000.
@inline(never)
func learnSteadily(
    _ stream: ArraySlice<(session: Int, path: String)>, graph: inout CoAccessGraph, windows: inout [CoAccessWindow],
    clock: inout Int64
) {
    for (offset, access) in stream.enumerated() {
        clock += 10
        graph.observe(access.path, tokens: 1200, at: clock, in: &windows[access.session])
        if offset % 25_000 == 24_999 { _ = graph.takeChanges(limit: 1_000) }
    }
}

if let flag = arguments.firstIndex(of: "--learning-steady") {
    let pathCount = arguments.dropFirst(flag + 1).first.flatMap { Int($0) } ?? 100_000
    let stream = learningStream(0..<500_000, paths: pathCount)
    var graph = CoAccessGraph()
    var windows = Array(repeating: CoAccessWindow(), count: 8)
    var clock: Int64 = 1_700_000_000_000
    learnSteadily(stream[..<400_000], graph: &graph, windows: &windows, clock: &clock)
    let start = DispatchTime.now().uptimeNanoseconds
    learnSteadily(stream[400_000...], graph: &graph, windows: &windows, clock: &clock)
    let elapsed = DispatchTime.now().uptimeNanoseconds - start
    print("paths: \(pathCount), observes timed: 100000, \(elapsed / 100_000) ns each; relations: \(graph.relationCount), pending changes: \(graph.pendingChangeCount)")
    exit(0)
}

if arguments.contains("--learning") {
    let stream = learningStream(0..<100_000, paths: 100_000)
    let start = DispatchTime.now().uptimeNanoseconds
    let graph = learnStream(stream)
    let elapsed = DispatchTime.now().uptimeNanoseconds - start
    print("observes: \(stream.count), \(elapsed / UInt64(stream.count)) ns each; relations: \(graph.relationCount), pending changes: \(graph.pendingChangeCount)")
    exit(0)
}

let workload = try Workload(contentsOf: fixture)
let budgets = [4_000, 16_000]

func percent(_ value: Double?) -> String { value.map { String(format: "%.1f", $0 * 100) } ?? "—" }

/// Mean over budgets of first-half recall minus recency's: what the grid maximises.
func objective(_ tally: RecallTally) -> Double {
    budgets.map { budget in
        (tally.recall(scorer: InProcessReplay.ownScorer, budget: budget, part: .firstHalf) ?? 0)
            - (tally.recall(scorer: ReferenceScorer.recency.rawValue, budget: budget, part: .firstHalf) ?? 0)
    }.reduce(0, +) / Double(budgets.count)
}

func row(_ label: String, _ tally: RecallTally) -> String {
    var cells = [label]
    for part in [RecallTally.Part.firstHalf, .secondHalf] {
        for budget in budgets {
            cells.append(percent(tally.recall(scorer: InProcessReplay.ownScorer, budget: budget, part: part)))
        }
    }
    return "| " + cells.joined(separator: " | ") + " |"
}

if arguments.contains("--importance") {
    // The session half-life and the EDIT weight, with the standard relations.
    print("| session half-life, EDIT weight | 1st 4k | 1st 16k | 2nd 4k | 2nd 16k |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for halfLife in [600.0, 1_800, 3_600, 7_200] {
        for edit in [2.0, 3.0, 5.0] {
            var model = ImportanceModel.standard
            model.defaultHalfLifeSeconds = halfLife
            model.editWeight = edit
            print(row("\(Int(halfLife)) s, \(edit)", InProcessReplay(importance: model).run(workload, budgets: budgets)))
            fflush(stdout)
        }
    }
    exit(0)
}

let baseline = InProcessReplay(relations: nil).run(workload, budgets: budgets)
print("| scorer | 1st 4k | 1st 16k | 2nd 4k | 2nd 16k |")
print("| --- | ---: | ---: | ---: | ---: |")
for reference in ReferenceScorer.allCases {
    var cells = [reference.rawValue]
    for part in [RecallTally.Part.firstHalf, .secondHalf] {
        for budget in budgets { cells.append(percent(baseline.recall(scorer: reference.rawValue, budget: budget, part: part))) }
    }
    print("| " + cells.joined(separator: " | ") + " |")
}
print(row("frecency, no relations", baseline))

var best: (score: Double, model: RelationModel, label: String)?
let quick = arguments.contains("--quick")
let standard = RelationModel.standard
let windows: [Int64] = quick ? [standard.windowMilliseconds] : [60_000, 300_000, 1_800_000]
let capacities: [Int] = quick ? [standard.windowCapacity] : [8, 16, 64]
let halfLives: [Double] = quick ? [standard.halfLifeMilliseconds / 86_400_000] : [30, 90, 3650]
let weights: [Double] = quick ? [standard.relationWeight] : [0.5, 1.0, 2.0]
let seeds: [Int] = quick ? [standard.seedResources] : [16]
var grid: [(model: RelationModel, label: String)] = []
for window in windows {
    for capacity in capacities {
        for halfLifeDays in halfLives {
            for weight in weights {
                for seedCount in seeds {
                    var model = standard
                    model.windowMilliseconds = window
                    model.windowCapacity = capacity
                    model.halfLifeMilliseconds = halfLifeDays * 86_400_000
                    model.relationWeight = weight
                    model.seedResources = seedCount
                    grid.append((model, "window \(window / 1000) s × \(capacity), half-life \(Int(halfLifeDays)) d, weight \(weight), seeds \(seedCount)"))
                }
            }
        }
    }
}
for (model, label) in grid {
    let tally = InProcessReplay(relations: model).run(workload, budgets: budgets)
    let score = objective(tally)
    if best == nil || score > best!.score { best = (score, model, label) }
    print(row(label, tally))
    fflush(stdout)
}
if let best {
    print("")
    print("best on the first half: \(best.label)")
    print(row("chosen", InProcessReplay(relations: best.model).run(workload, budgets: budgets)))
}
