/// A word that names none of an enumeration's values; the message lists the valid words.
public struct DomainWordError: Error, Equatable, Sendable, CustomStringConvertible {
    public let kind: String
    public let word: String
    public let validWords: [String]

    public init(kind: String, word: String, validWords: [String]) {
        self.kind = kind
        self.word = word
        self.validWords = validWords
    }

    public var description: String {
        "unknown \(kind) '\(word)', expected one of: \(validWords.joined(separator: ", "))"
    }
}

/// Enumerations whose values users type as words, in any case.
public protocol DomainWord: RawRepresentable<String>, CaseIterable, Sendable {
    /// What the word names, for error messages ("resource type").
    static var kindName: String { get }
}

extension DomainWord {
    /// Parses a word in any case (`code`, `CODE`, `Code`).
    public init(word: some StringProtocol) throws(DomainWordError) {
        let upper = word.uppercased()
        guard let value = Self.allCases.first(where: { $0.rawValue == upper }) else {
            throw DomainWordError(kind: Self.kindName, word: String(word), validWords: Self.allCases.map(\.rawValue))
        }
        self = value
    }
}
