/// The byte-pair encodings the project counts with, named as tiktoken names them.
/// Parsed as a `DomainWord`: an encoding name in any case (`o200k_base`, `O200K_BASE`).
public enum TokenEncoding: String, DomainWord, Hashable, Codable {
    case o200kBase = "o200k_base"
    case cl100kBase = "cl100k_base"

    /// The encoding sessions and the `tokens` command use unless told otherwise.
    public static let `default`: TokenEncoding = .o200kBase

    public static let kindName = "encoding"

    /// Name of the gzipped rank file among the package resources (`Resources/Encodings`).
    var resourceName: String { "\(rawValue).tiktoken" }

    /// SHA-256 of the decompressed rank file, as published with it (and as tiktoken checks it).
    /// A table that does not hash to this is refused: a wrong table would count silently wrong.
    var expectedSHA256: String {
        switch self {
        case .o200kBase: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
        case .cl100kBase: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
        }
    }

    /// Number of ranks in the file (special tokens excluded).
    var expectedRankCount: Int {
        switch self {
        case .o200kBase: 199_998
        case .cl100kBase: 100_256
        }
    }
}
