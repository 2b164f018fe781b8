import Foundation

// Tunes the co-access relation constants on a workload's FIRST half of sessions and reports the
// chosen ones on the SECOND half (guarding against overfitting). Built by scripts/tune-relations
// straight from the Prioritization sources.

let arguments = CommandLine.arguments
let fixture = URL(fileURLWithPath: arguments.firstIndex(of: "--fixture").map { arguments[$0 + 1] }
    ?? "Benchmarks/Fixtures/ripgrep-history.jsonl")
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
let windows: [Int64] = quick ? [300_000] : [60_000, 300_000, 1_800_000]
let halfLives: [Double] = quick ? [90] : [7, 90, 3650]
let weights: [Double] = quick ? [1.0] : [0.5, 1.0, 2.0, 4.0]
let seeds: [Int] = quick ? [16] : [8, 16]
for window in windows {
    for halfLifeDays in halfLives {
        for weight in weights {
            for seedCount in seeds {
                var model = RelationModel.standard
                model.windowMilliseconds = window
                model.halfLifeMilliseconds = halfLifeDays * 86_400_000
                model.relationWeight = weight
                model.seedResources = seedCount
                let tally = InProcessReplay(relations: model).run(workload, budgets: budgets)
                let score = objective(tally)
                let label = "window \(window / 1000) s, half-life \(Int(halfLifeDays)) d, weight \(weight), seeds \(seedCount)"
                if best == nil || score > best!.score { best = (score, model, label) }
                print(row(label, tally))
            }
        }
    }
}
if let best {
    print("")
    print("best on the first half: \(best.label)")
    print(row("chosen", InProcessReplay(relations: best.model).run(workload, budgets: budgets)))
}
