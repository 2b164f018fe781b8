import Foundation
import NIOCore
import Prioritization

/// Walks a request's arguments (after the command name) and turns them into typed values,
/// answering malformed ones with the error SPEC or Redis gives.
public struct ArgumentReader {
    private let arguments: [ByteBuffer]
    private var position: Int
    /// The option words `option()` has returned, each packed in a lane (see `packed`); unused
    /// lanes hold `UInt64.max`, which no packed word equals. Inline: TRACKs parse a few options
    /// each, and an array here would allocate for every one of them.
    private var seenOptions = SIMD8<UInt64>(repeating: .max)
    private var seenOptionCount = 0

    public init(_ arguments: some Collection<ByteBuffer>) {
        self.arguments = Array(arguments)
        self.position = 0
    }

    public var isAtEnd: Bool { position >= arguments.count }
    public var remaining: Int { arguments.count - position }

    /// The next argument as bytes; `-ERR syntax error` when there is none.
    public mutating func bytes() throws(CommandError) -> ByteBuffer {
        guard position < arguments.count else { throw .syntax }
        defer { position += 1 }
        return arguments[position]
    }

    public mutating func byteArray() throws(CommandError) -> [UInt8] {
        Array(try bytes().readableBytesView)
    }

    /// The next argument with ASCII letters upper-cased, for matching option words (all ASCII) in
    /// any case; nil at the end. Not `String.uppercased()`: Unicode case mapping on every option
    /// of every TRACK showed in its profile.
    public mutating func optionWord() -> String? {
        guard position < arguments.count else { return nil }
        defer { position += 1 }
        let upper = arguments[position].readableBytesView.map { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte
        }
        return String(decoding: upper, as: UTF8.self)
    }

    /// The next option word, as `optionWord`; `-ERR syntax error` when the command already had it.
    /// `TRACK … TOKENS 5 TOKENS 7` is a client's mistake whichever one it meant, and Redis refuses
    /// the like (`SET k v EX 1 EX 2`), where taking the last one hid it.
    public mutating func option() throws(CommandError) -> String? {
        guard let word = optionWord() else { return nil }
        // Longer words are no option of any command: the caller refuses them anyway.
        guard let key = Self.packed(word) else { return word }
        if any(seenOptions .== SIMD8(repeating: key)) { throw .syntax }
        if seenOptionCount < SIMD8<UInt64>.scalarCount {
            seenOptions[seenOptionCount] = key
            seenOptionCount += 1
        }
        return word
    }

    /// A word of up to 8 ASCII bytes as one integer, distinct for distinct words (its bytes, and
    /// no byte of ASCII has the top bit that `UInt64.max` has in every byte); nil for longer words.
    private static func packed(_ word: String) -> UInt64? {
        var key: UInt64 = 0
        var count = 0
        for byte in word.utf8 {
            guard count < 8, byte < 0x80 else { return nil }
            key |= UInt64(byte) << (8 * UInt64(count))
            count += 1
        }
        return key
    }

    /// Text that must be valid UTF-8 without NUL bytes (PostgreSQL text holds neither).
    public mutating func text(_ name: String, maxBytes: Int, allowEmpty: Bool = true) throws(CommandError) -> String {
        let buffer = try bytes()
        let view = buffer.readableBytesView
        if !allowEmpty && view.isEmpty { throw CommandError("\(name) must not be empty") }
        if view.count > maxBytes { throw CommandError("\(name) is longer than \(maxBytes) bytes") }
        guard !view.contains(0), let text = String(validating: view, as: UTF8.self) else {
            throw CommandError("\(name) must be valid UTF-8 without NUL bytes")
        }
        return text
    }

    /// A resource path, in Unicode NFC: canonically equivalent spellings (an é as one code point,
    /// or as e and a combining accent, as macOS file systems may give it) are one resource.
    /// Swift compares strings by canonical equivalence and PostgreSQL compares bytes; kept in one
    /// form, both see the same resources. Before, the second spelling counted as the first in
    /// memory and became a row of its own in the database.
    ///
    /// Control characters (a newline, an escape) are refused: a path is a name, and one holding a
    /// newline wrote lines of its own into the markdown report.
    public mutating func path() throws(CommandError) -> String {
        let path = try text("path", maxBytes: CommandLimits.maxPathBytes, allowEmpty: false)
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw CommandError("path must not contain control characters")
        }
        if path.utf8.allSatisfy({ $0 < 0x80 }) { return path }
        let normalized = path.precomposedStringWithCanonicalMapping
        // A few characters grow under NFC (composition exclusions decompose).
        if normalized.utf8.count > CommandLimits.maxPathBytes {
            throw CommandError("path is longer than \(CommandLimits.maxPathBytes) bytes")
        }
        return normalized
    }

    /// A session id; anything but a lower-case UUID names no session.
    public mutating func sessionID() throws(CommandError) -> SessionID {
        guard let id = SessionID(canonicalBytes: try bytes().readableBytesView) else { throw .noSuchSession }
        return id
    }

    /// An integer in `range`; Redis's message for non-integers, a range message otherwise.
    public mutating func integer(_ name: String, in range: ClosedRange<Int64>) throws(CommandError) -> Int64 {
        guard let value = StrictInteger.parse(try bytes().readableBytesView) else { throw .notAnInteger }
        guard range.contains(value) else {
            throw CommandError("\(name) is out of range, must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// Budgets, sizes, token counts, LIMITs: 0 … 2^53.
    public mutating func count(_ name: String) throws(CommandError) -> Int64 {
        try integer(name, in: 0...CommandLimits.maxCount)
    }

    /// A switch written `0` or `1` (`RELATED 0`).
    public mutating func flag(_ name: String) throws(CommandError) -> Bool {
        try integer(name, in: 0...1) == 1
    }

    /// `AT` values: unix milliseconds from 1970 to the end of year 9999.
    public mutating func timestamp() throws(CommandError) -> Int64 {
        try integer("AT", in: 0...CommandLimits.maxTimestampMilliseconds)
    }

    /// A finite decimal within `range`.
    public mutating func double(_ name: String, in range: ClosedRange<Double>) throws(CommandError) -> Double {
        let text = String(decoding: try bytes().readableBytesView, as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw .notAFloat }
        guard range.contains(value) else {
            throw CommandError("\(name) is out of range, must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    public mutating func resourceType() throws(CommandError) -> ResourceType {
        try domainWord(ResourceType.self)
    }

    public mutating func accessType() throws(CommandError) -> AccessType {
        try domainWord(AccessType.self)
    }

    public mutating func strategy() throws(CommandError) -> PackingStrategy {
        try domainWord(PackingStrategy.self)
    }

    /// `o200k_base` or `cl100k_base`, in any case.
    public mutating func encoding() throws(CommandError) -> TokenEncoding {
        try domainWord(TokenEncoding.self)
    }

    private mutating func domainWord<Word: DomainWord>(_: Word.Type) throws(CommandError) -> Word {
        let result = try bytes().withUnsafeReadableBytes { bytes in
            Result { () throws(DomainWordError) in try Word(wordBytes: bytes) }
        }
        switch result {
        case .success(let word): return word
        case .failure(let error): throw CommandError(error.description)
        }
    }

    /// A word of a server-side enumeration, or an error listing the valid words.
    public mutating func word<Word: RawRepresentable<String> & CaseIterable>(
        _ kind: String, _ parse: (String) -> Word?
    ) throws(CommandError) -> Word {
        let word = String(decoding: try bytes().readableBytesView, as: UTF8.self)
        guard let value = parse(word) else {
            let valid = Word.allCases.map(\.rawValue).joined(separator: ", ")
            throw CommandError("unknown \(kind) '\(CommandError.clipped(word))', expected one of: \(valid)")
        }
        return value
    }

    /// Fails with `-ERR syntax error` unless every argument was used.
    public func expectEnd() throws(CommandError) {
        if !isAtEnd { throw .syntax }
    }
}
