import FuzzDriver
import NIOCore
import PrioritizerServer

/// libFuzzer entry point for `CommandTable.parse`: the input is one request, its words separated
/// by newlines (so a seed reads like the command it is), each word otherwise arbitrary bytes.
///
/// Parsing must either produce a command or throw a `CommandError` whose reply, as written on
/// the wire, is one RESP error line: messages quote user input, and a line break inside one
/// would corrupt the reply stream for the client.
/// The entry point SwiftPM links as `main`.
@_cdecl("fuzz_command_parser_main")
public func fuzz_command_parserMain(argc: CInt, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv, fuzzCommandParser)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let words = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let request = RESPRequest(arguments: words.map { ByteBuffer(bytes: $0) })
    guard !request.arguments.isEmpty else { return 0 }
    do {
        _ = try CommandTable.standard.parse(request)
    } catch {
        var wire = ByteBuffer()
        RESPReplyEncoder.encode(error.reply, version: .resp3, into: &wire)
        let bytes = Array(wire.readableBytesView)
        precondition(bytes.first == UInt8(ascii: "-"), "an error reply that is not an error")
        precondition(bytes.firstIndex(of: UInt8(ascii: "\n")) == bytes.count - 1, "an error reply of more than one line")
    }
    return 0
}
