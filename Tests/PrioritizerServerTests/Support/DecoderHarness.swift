import NIOCore
@testable import PrioritizerServer

/// Feeds bytes to a `RESPRequestDecoder` the way `ByteToMessageHandler` does, collecting what
/// it decodes and the protocol error it stops at.
struct DecoderHarness {
    var decoder: RESPRequestDecoder
    var buffer = ByteBuffer()
    var requests: [[String]] = []
    var error: RESPProtocolError?

    init(limits: RESPLimits = .default) {
        decoder = RESPRequestDecoder(limits: limits)
    }

    mutating func feed(_ bytes: some Sequence<UInt8>) {
        guard error == nil else { return }
        buffer.writeBytes(Array(bytes))
        do {
            while true {
                switch try decoder.decodeRequest(from: &buffer) {
                case .request(let request):
                    requests.append(request.arguments.map { String(decoding: $0.readableBytesView, as: UTF8.self) })
                case .skipped:
                    continue
                case .needMoreData:
                    return
                }
            }
        } catch {
            self.error = error
        }
    }

    mutating func feed(_ text: String) {
        feed(Array(text.utf8))
    }

    static func decode(_ text: String, limits: RESPLimits = .default) -> DecoderHarness {
        var harness = DecoderHarness(limits: limits)
        harness.feed(text)
        return harness
    }
}

extension RESPRequest {
    var words: [String] { arguments.map { String(decoding: $0.readableBytesView, as: UTF8.self) } }
}
