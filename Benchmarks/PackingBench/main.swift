import Foundation

// Packing latency and quality. Built by scripts/bench-packing.sh in release mode, straight
// from the Prioritization sources (no test target, no Package.swift change).

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count - 1)).rounded(.up))
    return sorted[min(sorted.count - 1, rank)]
}

func milliseconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
}

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let fixture = arguments.firstIndex(of: "--fixture").map { URL(fileURLWithPath: arguments[$0 + 1]) }

TiedSession.run(quick: quick)
if arguments.contains("--tied-only") { exit(0) }

print("## Packing latency (release, one thread, ms per call; sessions: 4 h of simulated accesses)")
print("")
print("| resources | budget | strategy | p50 ms | p99 ms | max ms | proven optimal | captured vs optimal |")
print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
let sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]
let budgets = [8_000, 128_000, 1_000_000]
let sessionsPerSize = 8
let clock = ContinuousClock()
for size in sizes {
    let snapshots = (0..<sessionsPerSize).map { seed in
        SyntheticSession.make(resources: size, seed: UInt64(seed * 7919 + size)).candidates(at: 1_800_000_000_000)
    }
    let repetitions = size >= 100_000 ? (quick ? 16 : 40) : (quick ? 100 : 400)
    for budget in budgets {
        var optimalValues: [Double] = []
        for strategy in PackingStrategy.allCases {
            var samples: [Double] = []
            var proven = 0
            var captured: [Double] = []
            for rep in 0..<repetitions {
                let candidates = snapshots[rep % sessionsPerSize]
                let start = clock.now
                let result = Packer.pack(candidates, PackingRequest(budget: budget, strategy: strategy))
                samples.append(milliseconds(clock.now - start))
                if result.provenOptimal { proven += 1 }
                if rep < sessionsPerSize {
                    if strategy == .optimal { optimalValues.append(result.totalImportance) }
                    captured.append(result.totalImportance / optimalValues[rep])
                }
            }
            samples.sort()
            let share = captured.reduce(0, +) / Double(captured.count)
            let provenText = strategy == .optimal ? "\(proven)/\(repetitions)" : "—"
            print("| \(size) | \(budget) | \(strategy.rawValue.lowercased()) | \(String(format: "%.3f", percentile(samples, 0.5))) | \(String(format: "%.3f", percentile(samples, 0.99))) | \(String(format: "%.3f", samples.last!)) | \(provenText) | \(String(format: "%.4f", share)) |")
        }
    }
}

// With LIMIT: the cardinality branch and bound (optimal) against the heuristics.
print("")
print("## With LIMIT (10k resources, realistic sessions)")
print("")
print("| budget | limit | optimal p50 / p99 ms | proven | density / optimal | greedy / optimal |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
let limitSnapshots = (0..<sessionsPerSize).map { seed in
    SyntheticSession.make(resources: 10_000, seed: UInt64(seed * 7919 + 10_000)).candidates(at: 1_800_000_000_000)
}
for (budget, limit) in [(8_000, 5), (128_000, 10), (128_000, 50), (1_000_000, 200)] {
    var samples: [Double] = []
    var proven = 0
    var densityShare: [Double] = []
    var greedyShare: [Double] = []
    let repetitions = quick ? 40 : 200
    for rep in 0..<repetitions {
        let candidates = limitSnapshots[rep % sessionsPerSize]
        let start = clock.now
        let optimal = Packer.pack(candidates, PackingRequest(budget: budget, limit: limit, strategy: .optimal))
        samples.append(milliseconds(clock.now - start))
        if optimal.provenOptimal { proven += 1 }
        if rep < sessionsPerSize {
            let density = Packer.pack(candidates, PackingRequest(budget: budget, limit: limit, strategy: .density))
            let greedy = Packer.pack(candidates, PackingRequest(budget: budget, limit: limit, strategy: .greedy))
            densityShare.append(density.totalImportance / optimal.totalImportance)
            greedyShare.append(greedy.totalImportance / optimal.totalImportance)
        }
    }
    samples.sort()
    let d = densityShare.reduce(0, +) / Double(densityShare.count)
    let g = greedyShare.reduce(0, +) / Double(greedyShare.count)
    print("| \(budget) | \(limit) | \(String(format: "%.3f", percentile(samples, 0.5))) / \(String(format: "%.3f", percentile(samples, 0.99))) | \(proven)/\(repetitions) | \(String(format: "%.4f", d)) | \(String(format: "%.4f", g)) |")
}

// Adversarial: importance proportional to tokens plus a constant (the "strongly correlated"
// instances that defeat branch and bound). Shows the time cap at work: optimal stops at the cap
// with its best packing, which must not fall below density's.
print("")
print("## Adversarial instances (importance = tokens/1000 + 1, tokens uniform 1…3000), optimal vs its time cap (50 ms default)")
print("")
print("| resources | budget | p50 ms | p99 ms | proven optimal | optimal / density |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for (size, budget) in [(1_000, 8_000), (10_000, 128_000)] {
    var samples: [Double] = []
    var proven = 0
    var ratios: [Double] = []
    let rounds = quick ? 5 : 20
    for round in 0..<rounds {
        var rng = BenchGenerator(seed: UInt64(round + 1))
        let candidates = (0..<size).map { index -> PackingCandidate in
            let tokens = 1 + Int(rng.uniform() * 3000)
            return PackingCandidate(path: "gen/\(index)", importance: Double(tokens) / 1000 + 1, tokens: tokens)
        }
        let start = clock.now
        let optimal = Packer.pack(candidates, PackingRequest(budget: budget, strategy: .optimal))
        samples.append(milliseconds(clock.now - start))
        if optimal.provenOptimal { proven += 1 }
        let density = Packer.pack(candidates, PackingRequest(budget: budget, strategy: .density))
        ratios.append(optimal.totalImportance / density.totalImportance)
    }
    samples.sort()
    print("| \(size) | \(budget) | \(String(format: "%.3f", percentile(samples, 0.5))) | \(String(format: "%.3f", percentile(samples, 0.99))) | \(proven)/\(rounds) | \(String(format: "%.6f", ratios.min()!))–\(String(format: "%.6f", ratios.max()!)) |")
}

if let fixture {
    print("")
    print("## Ripgrep history replay (155 sessions; recall = share of the files the next commit modifies that were chosen)")
    print("")
    print("| budget | expectations | recall optimal | recall density | recall greedy | recall seed (formula, top 10, greedy) | captured density / optimal | captured greedy / optimal |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    let replay = try RipgrepReplay(url: fixture)
    for budget in [4_000, 16_000, 128_000] {
        let score = replay.score(budget: budget)
        let runs = Double(score.runs)
        func pct(_ x: Double?) -> String { String(format: "%.1f%%", (x ?? 0) / runs * 100) }
        func share(_ x: Double?) -> String { String(format: "%.4f", (x ?? 0) / runs) }
        print("| \(budget) | \(score.runs) | \(pct(score.recall["OPTIMAL"])) | \(pct(score.recall["DENSITY"])) | \(pct(score.recall["GREEDY"])) | \(pct(score.recall["SEED"])) | \(share(score.captured["DENSITY"])) | \(share(score.captured["GREEDY"])) |")
    }
}
