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
        try self.init(wordBytes: word.utf8)
    }

    /// Parses a word given as UTF-8 bytes (a command argument) in any case; a String is made
    /// only for the error. Inlinable, like the two below, so that callers in other modules get
    /// code specialized for their word type and byte collection: unspecialized, the generic
    /// iteration looked up type metadata for every byte (11% of a pipelined TRACK's server time).
    @inlinable
    public init(wordBytes bytes: some Collection<UInt8>) throws(DomainWordError) {
        guard let value = Self(caseInsensitiveBytes: bytes) else {
            // The word is quoted in the error: at most 128 of its bytes (an argument may be
            // megabytes, and each invalid byte would grow to three as U+FFFD).
            throw DomainWordError(
                kind: Self.kindName, word: String(decoding: Array(bytes.prefix(128)), as: UTF8.self),
                validWords: Self.allCases.map(\.rawValue))
        }
        self = value
    }

    /// The value whose word `bytes` spell in any ASCII case; nil when none does. Compares bytes
    /// instead of upper-casing a `String`: every TRACK parses two words (Unicode case mapping
    /// was 3% of a pipelined TRACK's server time).
    @inlinable
    public init?(caseInsensitiveBytes bytes: some Collection<UInt8>) {
        for candidate in Self.allCases where Self.asciiCaseInsensitiveEqual(bytes, candidate.rawValue.utf8) {
            self = candidate
            return
        }
        return nil
    }

    @inlinable
    static func asciiCaseInsensitiveEqual(_ bytes: some Collection<UInt8>, _ word: String.UTF8View) -> Bool {
        guard bytes.count == word.count else { return false }
        for (byte, expected) in zip(bytes, word) where byte != expected {
            // Letters differ from their other case in bit 0x20 only.
            guard byte | 0x20 == expected | 0x20, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) else {
                return false
            }
        }
        return true
    }
}
