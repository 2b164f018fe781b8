/// The output of METRICS.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    case markdown = "MARKDOWN"
    case json = "JSON"

    public init?(word: some StringProtocol) {
        self.init(rawValue: word.uppercased())
    }
}
