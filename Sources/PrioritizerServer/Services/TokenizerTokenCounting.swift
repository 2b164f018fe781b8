import NIOPosix
import Prioritization

/// TOKENS and TOKENS.ESTIMATE over the domain's tokenizer and estimator: the production
/// `TokenCounting`, needing no database.
///
/// Long texts are counted on NIO's blocking thread pool rather than on the Swift concurrency
/// pool: with two cooperative threads, one multi-megabyte count would stall half the server.
public struct TokenizerTokenCounting: TokenCounting {
    /// Texts up to this many bytes are counted in place; counting them costs less than a hop.
    public static let inlineCountLimit = 64 * 1024

    private let threadPool: NIOThreadPool

    public init(threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
    }

    public func countTokens(_ request: TokensRequest) async throws -> Int64 {
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer.shared(request.encoding)
        } catch {
            throw CommandError("tokenizer unavailable: \(error.description)")
        }
        let text = request.text
        if text.count <= Self.inlineCountLimit {
            return Int64(tokenizer.count(bytes: text))
        }
        return Int64(try await threadPool.runIfActive { tokenizer.count(bytes: text) })
    }

    public func estimateTokens(_ request: TokenEstimateRequest) async throws -> Int64 {
        Int64(TokenEstimator.estimate(bytes: Int(request.bytes), type: request.type, path: request.path))
    }
}
