import CZlib

/// Decompresses a whole gzip stream in memory with zlib.
enum Gunzip {
    static func decompress(_ compressed: [UInt8]) throws(TokenizerError) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16 asks zlib for the gzip wrapper rather than raw zlib.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .decompressionFailed(reason: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        // Rank files compress about 2:1; start there and grow as needed.
        output.reserveCapacity(compressed.count * 3)
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK

        try compressed.withUnsafeBufferPointer { (input) throws(TokenizerError) in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunkSize - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw .decompressionFailed(reason: "zlib status \(status)")
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_OK && produced == 0 && stream.avail_in == 0 {
                    throw .decompressionFailed(reason: "truncated gzip stream")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
