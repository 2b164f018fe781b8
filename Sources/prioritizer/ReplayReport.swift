import Foundation
import Prioritization

/// What `prioritizer replay` prints: recall per scorer and budget, over all sessions and per half.
struct ReplayReport {
    let workload: Workload
    let budgets: [Int]
    let tally: RecallTally

    static let scorers: [(key: String, label: String)] = [
        (WorkloadReplayer.scorer, "server (PRIORITIZE … DRYRUN)"),
        (InProcessReplay.ownScorer, "same model in-process"),
        (ReferenceScorer.recency.rawValue, "recency"),
        (ReferenceScorer.seed.rawValue, "seed formula, top 10, greedy"),
    ]

    func markdown() -> String {
        let expectations = tally.expectations(scorer: ReferenceScorer.recency.rawValue, budget: budgets[0])
        var lines = ["Replayed \(workload.sessions.count) sessions, \(expectations) expectations.", ""]
        var header = "| scorer |"
        var rule = "| --- |"
        for budget in budgets {
            for part in RecallTally.Part.allCases {
                header += " \(budget) \(part == .all ? "all" : part.rawValue) |"
                rule += " ---: |"
            }
        }
        lines += [header, rule]
        for (key, label) in Self.scorers {
            var row = "| \(label) |"
            for budget in budgets {
                for part in RecallTally.Part.allCases {
                    row += " " + (tally.recall(scorer: key, budget: budget, part: part).map { String(format: "%.1f%%", $0 * 100) } ?? "—") + " |"
                }
            }
            lines.append(row)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"sessions", "expectations", "recall": {scorer: {budget: {"all", "first_half", "second_half"}}}}`,
    /// recall as fractions in [0, 1].
    func json() -> String {
        var recall: [String: [String: [String: Double]]] = [:]
        for (key, _) in Self.scorers {
            for budget in budgets {
                for part in RecallTally.Part.allCases {
                    guard let value = tally.recall(scorer: key, budget: budget, part: part) else { continue }
                    recall[key, default: [:]][String(budget), default: [:]][part.rawValue.replacingOccurrences(of: " ", with: "_")] = value
                }
            }
        }
        let object: [String: Any] = [
            "sessions": workload.sessions.count,
            "expectations": tally.expectations(scorer: ReferenceScorer.recency.rawValue, budget: budgets[0]),
            "recall": recall,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
