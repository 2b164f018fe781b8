import ArgumentParser
import Foundation
import Prioritization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `prioritizer tokens [--encoding E] [FILE...]`: exact token counts with no server, like `wc`.
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count tokens exactly as the server does (tiktoken's encode_ordinary), per file, like wc.",
        discussion: """
            Files are read as bytes; invalid UTF-8 counts as U+FFFD and line endings are kept. \
            Prints 'COUNT PATH' per file and 'COUNT total' after several; with no files, counts \
            standard input and prints the count alone.
            """
    )

    @Option(help: "The encoding: o200k_base or cl100k_base.")
    var encoding: String = TokenEncoding.default.rawValue

    @Argument(help: "Files to count; standard input when none are given.")
    var files: [String] = []

    @Flag(help: .hidden)
    var benchmark = false

    func run() throws {
        // A plain error rather than ValidationError: the reason stays one line, without usage.
        let encoding = try TokenEncoding(word: self.encoding)
        if benchmark {
            try TokenizerBenchmark(encoding: encoding, files: files).run()
            return
        }
        let tokenizer = try Tokenizer.shared(encoding)

        if files.isEmpty {
            print(tokenizer.count(bytes: try FileBytes.read(descriptor: STDIN_FILENO, name: "standard input")))
            return
        }
        // Refuse before printing anything, so a bad path never leaves half a report.
        for path in files { try FileBytes.checkReadable(path) }
        var total = 0
        for path in files {
            let count = tokenizer.count(bytes: try FileBytes.read(path: path))
            total += count
            print("\(count) \(path)")
        }
        if files.count > 1 { print("\(total) total") }
    }
}

/// Whole-file reads with errno reasons, for one-line error messages.
enum FileBytes {
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func checkReadable(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure(path) }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            throw ReadError(description: "cannot read \(path): Is a directory")
        }
        guard access(path, R_OK) == 0 else { throw failure(path) }
    }

    static func read(path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        return try read(descriptor: descriptor, name: path)
    }

    static func read(descriptor: Int32, name: String) throws -> [UInt8] {
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure(name)
            }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }

    /// The C library's read(2), named apart from `read(path:)` above.
    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }

    private static func failure(_ name: String) -> ReadError {
        ReadError(description: "cannot read \(name): \(String(cString: strerror(errno)))")
    }
}
