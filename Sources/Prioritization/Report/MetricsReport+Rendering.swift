import Foundation

extension MetricsReport {
    /// METRICS … FORMAT json: one object, keys sorted, so the text is stable for a given state.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs of strings and numbers cannot fail; finite doubles are ensured
        // by the importance model.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// METRICS … FORMAT markdown: the seed's sections, corrected and extended.
    public func markdown() -> String {
        var lines: [String] = []
        lines.append("# Session Resource Metrics")
        lines.append("")
        lines.append("## Overview")
        lines.append("")
        lines.append("- Session ID: \(sessionID)")
        lines.append("- Total Resources: \(totalResources)")
        lines.append("- Total Accesses: \(totalAccesses)")
        lines.append("- Included in Context: \(includedResources) (chosen by the latest prioritization)")
        lines.append("- Included Tokens: \(includedTokens)")
        lines.append("- Tracked Tokens: \(trackedTokens) (\(unknownTokenResources) resources of unknown size)")
        lines.append("- Modified Resources: \(modifiedResources)")
        lines.append("- Importance Included Now: \(Self.decimal(includedImportance)) of \(Self.decimal(totalImportance)) (\(Self.percent(totalImportance > 0 ? includedImportance / totalImportance : 0)))")
        lines.append("- Half-life: \(Self.decimal(halfLifeSeconds)) s")
        lines.append("")
        lines.append("## Latest Prioritization")
        lines.append("")
        if let run = lastRun {
            lines.append("- Strategy: \(run.strategy)")
            lines.append("- Budget: \(run.budget) tokens" + (run.limit.map { ", limit \($0)" } ?? ""))
            lines.append("- Chosen: \(run.chosenCount) of \(run.candidates) resources, \(run.chosenTokens) tokens")
            lines.append("- Budget Use: \(Self.percent(run.budgetUse))")
            lines.append("- Captured Importance: \(Self.decimal(run.capturedImportance)) of \(Self.decimal(run.totalImportance)) (\(Self.percent(run.capturedShare)))")
            lines.append("- Time Taken: \(run.durationMicroseconds) µs")
            lines.append("- At: \(run.at) (unix ms)")
        } else {
            lines.append("- None yet")
        }
        lines.append("")
        lines.append("## Resources by Type")
        lines.append("")
        for type in ResourceType.allCases {
            lines.append("- \(type.rawValue): \(resourcesByType[type.rawValue] ?? 0)")
        }
        lines.append("")
        lines.append("## Accesses by Type")
        lines.append("")
        for access in AccessType.allCases {
            lines.append("- \(access.rawValue): \(accessesByType[access.rawValue] ?? 0)")
        }
        lines.append("")
        lines.append("## Top Resources by Importance")
        lines.append("")
        if topResources.isEmpty { lines.append("- None") }
        for resource in topResources {
            let tokens = resource.tokens.map(String.init) ?? "Unknown"
            let flags = (resource.included ? ", included" : "") + (resource.modified ? ", modified" : "")
            lines.append("- \(resource.path) (Importance: \(Self.decimal(resource.importance)), Tokens: \(tokens), Accesses: \(resource.accessCount)\(flags))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Four decimals, trailing zeros trimmed: readable, and stable across platforms.
    static func decimal(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.1f%%", share * 100)
    }
}
