import Prioritization

/// TOKENS and TOKENS.ESTIMATE: implemented over the domain's tokenizer and estimator.
public protocol TokenCounting: Sendable {
    /// Exact count, identical to tiktoken's `encode_ordinary` (invalid UTF-8 read as U+FFFD).
    func countTokens(_ request: TokensRequest) async throws -> Int64
    /// The estimate used when only a size is known.
    func estimateTokens(_ request: TokenEstimateRequest) async throws -> Int64
}
