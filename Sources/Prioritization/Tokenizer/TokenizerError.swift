/// Why a rank table could not be loaded. Each case carries enough to act on in one line.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    case resourceMissing(name: String)
    case resourceUnreadable(name: String, reason: String)
    case decompressionFailed(reason: String)
    case checksumMismatch(expected: String, actual: String)
    case malformedRankLine(line: Int)
    case unexpectedRankCount(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .resourceMissing(let name):
            "rank table \(name) is missing from the package resources"
        case .resourceUnreadable(let name, let reason):
            "cannot read rank table \(name): \(reason)"
        case .decompressionFailed(let reason):
            "cannot decompress rank table: \(reason)"
        case .checksumMismatch(let expected, let actual):
            "rank table SHA-256 mismatch: expected \(expected), got \(actual)"
        case .malformedRankLine(let line):
            "rank table line \(line) is not 'base64-token rank'"
        case .unexpectedRankCount(let expected, let actual):
            "rank table holds \(actual) ranks, expected \(expected)"
        }
    }
}
