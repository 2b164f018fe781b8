import CZlib

/// Just enough of PNG to tell a rendered page from a blank one: the pixels of an 8-bit RGB or
/// RGBA, non-interlaced image (what Chromium's screenshots are).
struct PNGPixels {
    let width: Int
    let height: Int
    /// Bytes per pixel (3 or 4) and the unfiltered rows, `width * bytesPerPixel` each.
    let bytesPerPixel: Int
    let rows: [[UInt8]]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ file: [UInt8]) throws {
        guard file.count > 33, file.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Failure(description: "not a PNG")
        }
        func u32(_ at: Int) -> Int { file[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8
        var header: ArraySlice<UInt8> = []
        var compressed: [UInt8] = []
        while offset + 8 <= file.count {
            let length = u32(offset)
            let type = String(decoding: file[offset + 4..<offset + 8], as: UTF8.self)
            let data = file[offset + 8..<min(file.count, offset + 8 + length)]
            if type == "IHDR" { header = data }
            if type == "IDAT" { compressed += data }
            if type == "IEND" { break }
            offset += 12 + length
        }
        guard header.count == 13 else { throw Failure(description: "no IHDR") }
        let base = header.startIndex
        width = file[base..<base + 4].reduce(0) { $0 << 8 | Int($1) }
        height = file[base + 4..<base + 8].reduce(0) { $0 << 8 | Int($1) }
        let depth = header[base + 8], colour = header[base + 9], interlace = header[base + 12]
        guard depth == 8, colour == 2 || colour == 6, interlace == 0 else {
            throw Failure(description: "unsupported PNG: depth \(depth), colour type \(colour), interlace \(interlace)")
        }
        bytesPerPixel = colour == 6 ? 4 : 3
        let raw = try Self.inflate(compressed, expected: height * (1 + width * bytesPerPixel))
        rows = try Self.unfilter(raw, width: width, height: height, bytesPerPixel: bytesPerPixel)
    }

    /// Distinct colours, counted on every `step`-th pixel of every `step`-th row.
    func distinctColours(step: Int = 4) -> Int {
        var seen = Set<UInt32>()
        for row in stride(from: 0, to: height, by: step) {
            for column in stride(from: 0, to: width, by: step) {
                let at = column * bytesPerPixel
                let pixel = rows[row][at..<at + 3].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                seen.insert(pixel)
            }
        }
        return seen.count
    }

    private static func inflate(_ input: [UInt8], expected: Int) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: expected)
        let status = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, stream.avail_out == 0 else { throw Failure(description: "zlib status \(status)") }
        return output
    }

    /// PNG's five row filters, undone.
    private static func unfilter(_ raw: [UInt8], width: Int, height: Int, bytesPerPixel: Int) throws -> [[UInt8]] {
        let stride = width * bytesPerPixel
        var rows: [[UInt8]] = []
        rows.reserveCapacity(height)
        var previous = [UInt8](repeating: 0, count: stride)
        for index in 0..<height {
            let start = index * (stride + 1)
            let filter = raw[start]
            var row = Array(raw[start + 1..<start + 1 + stride])
            for i in 0..<stride {
                let left = i >= bytesPerPixel ? Int(row[i - bytesPerPixel]) : 0
                let up = Int(previous[i])
                let upLeft = i >= bytesPerPixel ? Int(previous[i - bytesPerPixel]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                case 4:
                    let p = left + up - upLeft
                    let (pa, pb, pc) = (abs(p - left), abs(p - up), abs(p - upLeft))
                    predictor = pa <= pb && pa <= pc ? left : (pb <= pc ? up : upLeft)
                default: throw Failure(description: "bad filter \(filter) on row \(index)")
                }
                row[i] = UInt8(truncatingIfNeeded: Int(row[i]) + predictor)
            }
            rows.append(row)
            previous = row
        }
        return rows
    }
}
