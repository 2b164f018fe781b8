import Foundation

/// METRICS … FORMAT html: one self-contained page — inline CSS and inline SVG, no script, no
/// fetch — with the overview, a budget bar, importance against tokens for every resource
/// (included ones marked) and an access timeline of the most important resources.
///
/// Every piece of user text (paths, label, strategy words) goes through `HTMLText.escape`.
public struct SessionReportPage: Sendable {
    public var report: MetricsReport
    public var label: String?
    /// Every resource, most important first.
    public var resources: [ReportResourcePoint]

    /// Rows of the timeline: enough to see the working set, few enough to read the labels.
    public static let timelineRows = 25

    public init(report: MetricsReport, label: String?, resources: [ReportResourcePoint]) {
        self.report = report
        self.label = label
        self.resources = resources
    }

    public func html() -> String {
        let name = label.flatMap { $0.isEmpty ? nil : $0 } ?? report.sessionID
        let title = HTMLText.escape("Session report — \(name)")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>\(Self.style)</style>
        </head><body>
        <header><h1>\(title)</h1>
        <p class="sub">session <code>\(HTMLText.escape(report.sessionID))</code> · valued at \(HTMLText.escape(Self.timestamp(report.at))) · half-life \(MetricsReport.decimal(report.halfLifeSeconds)) s</p></header>
        \(overview())
        <section><h2>Budget</h2>\(budgetBar())</section>
        <section><h2>Importance against tokens</h2>\(scatter())</section>
        <section><h2>Access timeline</h2>\(timeline())</section>
        </body></html>

        """
    }

    // MARK: - Sections

    private func overview() -> String {
        let share = report.totalImportance > 0 ? report.includedImportance / report.totalImportance : 0
        let cards: [(String, String)] = [
            ("Resources", "\(report.totalResources)"),
            ("Accesses", "\(report.totalAccesses)"),
            ("Included", "\(report.includedResources)"),
            ("Included tokens", Self.grouped(report.includedTokens)),
            ("Tracked tokens", Self.grouped(report.trackedTokens)),
            ("Importance included", MetricsReport.percent(share)),
        ]
        let items = cards.map { "<div class=\"card\"><div class=\"v\">\(HTMLText.escape($0.1))</div><div class=\"k\">\($0.0)</div></div>" }
        return "<section class=\"cards\">\(items.joined())</section>"
    }

    private func budgetBar() -> String {
        guard let run = report.lastRun else {
            return "<p class=\"note\">No prioritization yet: PRIORITIZE chooses what fits a budget.</p>"
        }
        let width = 960.0
        let used = run.budget > 0 ? min(1, Double(run.chosenTokens) / Double(run.budget)) : 0
        let caption = "\(Self.grouped(run.chosenTokens)) of \(Self.grouped(run.budget)) tokens (\(MetricsReport.percent(run.budgetUse))) · \(run.chosenCount) of \(run.candidates) resources · \(HTMLText.escape(run.strategy)) · captured \(MetricsReport.percent(run.capturedShare)) of the importance"
        return """
        <svg class="bar" viewBox="0 0 \(Int(width)) 36" role="img" aria-label="budget use">
        <rect x="0" y="0" width="\(Int(width))" height="36" rx="6" class="track"/>
        <rect x="0" y="0" width="\(Self.number(width * used))" height="36" rx="6" class="fill"/>
        <text x="12" y="23" class="bartext">\(Self.grouped(run.chosenTokens)) / \(Self.grouped(run.budget)) tokens</text>
        </svg>
        <p class="note">\(caption)</p>
        """
    }

    /// Tokens on a log axis (sizes span 1 to 10^5 and more), importance on a linear one.
    private func scatter() -> String {
        let sized = resources.filter { ($0.tokens ?? 0) > 0 }
        let unknown = resources.count - sized.count
        guard !sized.isEmpty else { return "<p class=\"note\">No resource with a known token count yet.</p>" }
        let (width, height) = (960.0, 420.0)
        let (left, right, top, bottom) = (64.0, 40.0, 16.0, 48.0)
        let maxTokens = Double(sized.map { $0.tokens! }.max()!)
        let decades = max(1, Int(log10(maxTokens).rounded(.up)))
        let maxImportance = max(sized.map(\.importance).max()!, 1e-9)
        func x(_ tokens: Int) -> Double { left + log10(Double(tokens)) / Double(decades) * (width - left - right) }
        func y(_ importance: Double) -> Double { height - bottom - importance / maxImportance * (height - top - bottom) }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"importance against tokens\">"
        for decade in 0...decades {
            let gx = Self.number(x(Int(pow(10, Double(decade)))))
            svg += "<line x1=\"\(gx)\" y1=\"\(top)\" x2=\"\(gx)\" y2=\"\(height - bottom)\" class=\"grid\"/>"
            svg += "<text x=\"\(gx)\" y=\"\(height - bottom + 18)\" class=\"tick\" text-anchor=\"middle\">\(Self.grouped(Int(pow(10, Double(decade)))))</text>"
        }
        for step in 0...4 {
            let value = maxImportance * Double(step) / 4
            let gy = Self.number(y(value))
            svg += "<line x1=\"\(left)\" y1=\"\(gy)\" x2=\"\(width - right)\" y2=\"\(gy)\" class=\"grid\"/>"
            svg += "<text x=\"\(left - 8)\" y=\"\(gy)\" class=\"tick\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.significant(value))</text>"
        }
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 8)\" class=\"axis\" text-anchor=\"middle\">tokens (log scale)</text>"
        svg += "<text x=\"14\" y=\"\((top + height - bottom) / 2)\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 14 \((top + height - bottom) / 2))\">importance</text>"
        // Excluded first, so the included points are drawn on top.
        for point in sized.sorted(by: { !$0.included && $1.included }) {
            let tooltip = HTMLText.escape("\(point.path) — importance \(MetricsReport.decimal(point.importance)), \(point.tokens!) tokens, \(point.accessCount) accesses\(point.included ? ", included" : "")")
            svg += "<circle cx=\"\(Self.number(x(point.tokens!)))\" cy=\"\(Self.number(y(point.importance)))\" r=\"\(point.included ? 6 : 4.5)\" class=\"\(point.included ? "in" : "out")\"><title>\(tooltip)</title></circle>"
        }
        svg += "</svg>"
        let legend = "<p class=\"legend\"><span class=\"dot in\"></span>included by the latest prioritization <span class=\"dot out\"></span>not included" + (unknown > 0 ? " · \(unknown) of unknown size not shown" : "") + "</p>"
        return svg + legend
    }

    /// For the most important resources: a line from first to last access, a dot at the last
    /// access sized by the access count. Time runs from the first access shown to the last.
    private func timeline() -> String {
        let rows = Array(resources.prefix(Self.timelineRows))
        guard let start = rows.map(\.firstAccessAt).min() else { return "<p class=\"note\">No access yet.</p>" }
        let end = max(rows.map(\.lastAccessAt).max()!, start + 1)
        let (width, rowHeight, labelWidth, right, top) = (960.0, 22.0, 300.0, 24.0, 8.0)
        let height = top + Double(rows.count) * rowHeight + 36
        let maxCount = Double(rows.map(\.accessCount).max() ?? 1)
        func x(_ time: Int64) -> Double { labelWidth + Double(time - start) / Double(end - start) * (width - labelWidth - right) }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"access timeline\">"
        for step in 0...4 {
            let time = start + (end - start) * Int64(step) / 4
            let gx = Self.number(x(time))
            svg += "<line x1=\"\(gx)\" y1=\"\(top)\" x2=\"\(gx)\" y2=\"\(height - 28)\" class=\"grid\"/>"
            svg += "<text x=\"\(gx)\" y=\"\(height - 10)\" class=\"tick\" text-anchor=\"middle\">\(step == 0 ? "start" : "+" + Self.span(time - start))</text>"
        }
        for (index, point) in rows.enumerated() {
            let cy = top + (Double(index) + 0.5) * rowHeight
            let label = Self.shortened(point.path, to: 44)
            let cls = point.included ? "in" : "out"
            svg += "<text x=\"\(labelWidth - 10)\" y=\"\(Self.number(cy))\" class=\"label\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTMLText.escape(label))<title>\(HTMLText.escape(point.path))</title></text>"
            svg += "<line x1=\"\(Self.number(x(point.firstAccessAt)))\" y1=\"\(Self.number(cy))\" x2=\"\(Self.number(x(point.lastAccessAt)))\" y2=\"\(Self.number(cy))\" class=\"span \(cls)\"/>"
            svg += "<circle cx=\"\(Self.number(x(point.firstAccessAt)))\" cy=\"\(Self.number(cy))\" r=\"3\" class=\"\(cls)\"/>"
            let radius = 3 + 5 * (Double(point.accessCount) / maxCount).squareRoot()
            svg += "<circle cx=\"\(Self.number(x(point.lastAccessAt)))\" cy=\"\(Self.number(cy))\" r=\"\(Self.number(radius))\" class=\"\(cls)\"><title>\(HTMLText.escape("\(point.path) — \(point.accessCount) accesses, last \(Self.span(report.at - point.lastAccessAt)) before the report"))</title></circle>"
        }
        svg += "</svg>"
        let more = resources.count > rows.count ? " (the \(rows.count) most important of \(resources.count))" : ""
        return svg + "<p class=\"note\">First to last access of each resource\(more); the dot at the last access grows with the access count.</p>"
    }

    // MARK: - Formatting

    /// Two decimals at most: coordinates, not figures.
    static func number(_ value: Double) -> String {
        String(format: "%.2f", value)
    }

    /// Three significant digits: importance decays over hours into values of any magnitude.
    static func significant(_ value: Double) -> String {
        String(format: "%.3g", value)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func span(_ milliseconds: Int64) -> String {
        let seconds = Double(max(0, milliseconds)) / 1000
        switch seconds {
        case ..<1: return "\(max(0, milliseconds)) ms"
        case ..<120: return "\(Int(seconds)) s"
        case ..<7200: return "\(Int(seconds / 60)) min"
        case ..<172_800: return String(format: "%.1f h", seconds / 3600)
        default: return String(format: "%.1f d", seconds / 86_400)
        }
    }

    static func timestamp(_ unixMilliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMilliseconds) / 1000))
    }

    /// Keeps the end of a long path (the file name), which says most.
    static func shortened(_ path: String, to length: Int) -> String {
        path.count <= length ? path : "…" + path.suffix(length - 1)
    }

    static let style = """
    :root{--ink:#1d2433;--muted:#5b6478;--line:#e3e7ef;--accent:#2f6fed;--accent2:#9db8f5;--out:#b3bac8;--bg:#f6f8fb}
    *{box-sizing:border-box}body{margin:0;padding:28px 36px;font:15px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
    header h1{margin:0 0 4px;font-size:24px;font-weight:650;overflow-wrap:anywhere}
    .sub{margin:0 0 20px;color:var(--muted)}code{font:13px ui-monospace,Menlo,Consolas,monospace}
    section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 18px}
    h2{margin:0 0 12px;font-size:16px;font-weight:600}
    .cards{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;background:none;border:none;padding:0}
    .card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 14px}
    .card .v{font-size:22px;font-weight:650}.card .k{color:var(--muted);font-size:13px}
    svg{width:100%;height:auto;display:block}
    .track{fill:#e9edf5}.fill{fill:var(--accent)}.bartext{fill:#fff;font-size:15px;font-weight:600}
    .grid{stroke:var(--line);stroke-width:1}.tick{fill:var(--muted);font-size:12px}.axis{fill:var(--muted);font-size:13px}
    .label{fill:var(--ink);font-size:12px;font-family:ui-monospace,Menlo,Consolas,monospace}
    circle.in{fill:var(--accent);fill-opacity:.85;stroke:#fff;stroke-width:1}
    circle.out{fill:#fff;stroke:var(--out);stroke-width:1.5}
    .span{stroke-width:3;stroke-linecap:round}.span.in{stroke:var(--accent2)}.span.out{stroke:#dde1e9}
    .note,.legend{margin:8px 0 0;color:var(--muted);font-size:13px}
    .dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 4px 0 12px;vertical-align:middle}
    .dot.in{background:var(--accent)}.dot.out{border:1.5px solid var(--out)}
    """
}

/// Text made safe to place in HTML element content and in quoted attribute values.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
