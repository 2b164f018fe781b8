/// The output of METRICS.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    case markdown = "MARKDOWN"
    case json = "JSON"
    /// One self-contained page (inline CSS and SVG, no script, no fetch).
    case html = "HTML"

    public init?(word: some StringProtocol) {
        self.init(rawValue: word.uppercased())
    }
}
