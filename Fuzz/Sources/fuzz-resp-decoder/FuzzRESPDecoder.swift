import FuzzDriver
import NIOCore
import PrioritizerServer

/// libFuzzer entry point for `RESPRequestDecoder.decodeRequest(from:)`.
///
/// The first byte picks where the rest is cut in two; the decoder gets the first part, then
/// both, as a connection's reads would deliver them. The property checked besides "no crash, no
/// overread": cutting the input anywhere changes nothing, the same requests come out and the
/// same error stops them. Small limits put every limit check within the fuzzer's reach.
/// The entry point SwiftPM links as `main`.
@_cdecl("fuzz_resp_decoder_main")
public func fuzz_resp_decoderMain(argc: CInt, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv, fuzzRESPDecoder)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    let cut = bytes.isEmpty ? 0 : Int(selector) % (bytes.count + 1)
    let whole = Outcome.decoding([bytes[...]])
    let split = Outcome.decoding([bytes[..<cut], bytes[cut...]])
    if whole != split {
        fatalError("split at \(cut) changed the outcome: \(whole) vs \(split)")
    }
    return 0
}

/// What a stream of reads decodes to.
struct Outcome: Equatable {
    static let limits = RESPLimits(maxBulkBytes: 256, maxRequestBytes: 512, maxInlineBytes: 128, maxArguments: 16)

    var requests: [[[UInt8]]] = []
    var error: RESPProtocolError?

    static func decoding(_ reads: [ArraySlice<UInt8>]) -> Outcome {
        var decoder = RESPRequestDecoder(limits: limits)
        var buffer = ByteBuffer()
        var outcome = Outcome()
        var fed = 0
        for read in reads {
            buffer.writeBytes(read)
            fed += read.count
            do {
                decoding: while true {
                    let before = buffer.readableBytes
                    switch try decoder.decodeRequest(from: &buffer) {
                    case .request(let request):
                        precondition(!request.arguments.isEmpty, "a request without a command name")
                        precondition(request.arguments.count <= limits.maxArguments, "more arguments than the limit")
                        let total = request.arguments.reduce(0) { $0 + $1.readableBytes }
                        precondition(total <= max(limits.maxRequestBytes, limits.maxInlineBytes), "a request over the size limit")
                        outcome.requests.append(request.arguments.map { Array($0.readableBytesView) })
                    case .skipped:
                        precondition(buffer.readableBytes < before, "skipped without consuming input")
                    case .needMoreData:
                        break decoding
                    }
                }
            } catch {
                outcome.error = error
                return outcome
            }
            precondition(buffer.readableBytes <= fed, "the decoder read more than it was given")
        }
        return outcome
    }
}
