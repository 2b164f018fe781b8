import NIOCore

/// Tells when the reply at the front of a buffer has fully arrived, without building it, and
/// resumes where it stopped when more bytes come.
///
/// `RESPReplyDecoder` used to parse the whole reply on every read until it was complete: a reply
/// arriving in n reads (a PRIORITIZE or TOP of thousands of entries) was parsed about n²/2 times
/// over, allocating its strings each time. The scan remembers how far it got and how many elements
/// each open aggregate still expects, so each byte is scanned about once, and the reply is parsed
/// once, when it is whole.
struct RESPReplyScanner {
    /// Bytes of the current reply scanned so far, from the buffer's reader index: where the next
    /// element starts.
    private var scanned = 0
    /// Elements each open aggregate still expects, outermost first.
    private var expected: [Int] = []

    /// The length of the complete reply at the front of `buffer`, or nil while it is incomplete.
    /// Once it has returned a length, the caller consumes that reply and the scan starts afresh.
    mutating func completeReplyLength(in buffer: ByteBuffer) throws -> Int? {
        while true {
            let start = buffer.readerIndex + scanned
            guard let type = buffer.getInteger(at: start, as: UInt8.self),
                  let lineEnd = Self.lineEnd(in: buffer, from: start + 1) else { return nil }
            let header = buffer.getSlice(at: start + 1, length: lineEnd - start - 1)!
            var next = lineEnd + 2
            var opened = 0
            switch type {
            case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
                let count = try RESPReplyDecoder.blobLength(String(buffer: header))
                if count >= 0 {
                    guard buffer.writerIndex - next >= count + 2 else { return nil }
                    guard buffer.getInteger(at: next + count, as: UInt16.self) == 0x0d0a else {
                        throw PrioritizerClientError.protocolViolation("blob not followed by CRLF")
                    }
                    next += count + 2
                }
            case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
                opened = try Self.elementCount(header)
            case UInt8(ascii: "%"):
                opened = 2 * (try Self.elementCount(header))
            case UInt8(ascii: "|"):
                // An attribute's pairs, then the value it annotates.
                opened = 2 * (try Self.elementCount(header)) + 1
            case UInt8(ascii: ":"):
                _ = try RESPReplyDecoder.integer(String(buffer: header))
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ","), UInt8(ascii: "#"), UInt8(ascii: "("):
                break
            default:
                throw PrioritizerClientError.protocolViolation("unknown reply type byte \(type)")
            }
            scanned = next - buffer.readerIndex
            if opened > 0 {
                guard expected.count < RESPReplyDecoder.maxDepth else {
                    throw PrioritizerClientError.protocolViolation("reply nested too deeply")
                }
                expected.append(opened)
                continue
            }
            // An element ended: it may end the aggregates it closes, and the reply with them.
            while let last = expected.last {
                if last > 1 {
                    expected[expected.count - 1] = last - 1
                    break
                }
                expected.removeLast()
            }
            if expected.isEmpty {
                defer { scanned = 0 }
                return scanned
            }
        }
    }

    /// Where the CRLF ending the line that starts at `from` is, if it has arrived.
    private static func lineEnd(in buffer: ByteBuffer, from: Int) -> Int? {
        guard from <= buffer.writerIndex else { return nil }
        let view = buffer.viewBytes(at: from, length: buffer.writerIndex - from)!
        guard let cr = view.firstIndex(of: 0x0d), cr + 1 < view.endIndex, view[cr + 1] == 0x0a else { return nil }
        return from + (cr - view.startIndex)
    }

    /// An aggregate's element count (0 for a null one). Counts past `maxBlobBytes` are refused:
    /// no reply holds that many, and doubling a count near Int.max for a map trapped.
    private static func elementCount(_ header: ByteBuffer) throws -> Int {
        let count = try RESPReplyDecoder.length(String(buffer: header))
        guard count <= RESPReplyDecoder.maxBlobBytes else {
            throw PrioritizerClientError.protocolViolation("aggregate of \(count) elements, over \(RESPReplyDecoder.maxBlobBytes)")
        }
        return max(count, 0)
    }

}
