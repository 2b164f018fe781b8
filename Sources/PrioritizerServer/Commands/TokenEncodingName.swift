/// The tokenizer encodings a session or a TOKENS request may name.
///
/// Kept local to the server until the tokenizer's own encoding type lands on main; the raw
/// values are the names users type and tiktoken uses.
public enum TokenEncodingName: String, Sendable, Hashable, CaseIterable {
    case o200kBase = "o200k_base"
    case cl100kBase = "cl100k_base"

    /// SPEC: o200k_base is the default for TOKENS and for sessions.
    public static let `default` = TokenEncodingName.o200kBase

    public init?(word: some StringProtocol) {
        self.init(rawValue: word.lowercased())
    }
}
