import NIOCore

/// Writes a `RESPValue` in the wire form of one protocol version.
///
/// RESP2 has no map, double, boolean or null types; Redis's own mapping is used so that every
/// RESP2 client library reads our replies as it reads Redis's: maps become flat arrays of
/// alternating keys and values, doubles become bulk strings, booleans the integers 1 and 0, and
/// null the null bulk string `$-1`.
public enum RESPReplyEncoder {
    public static func encode(_ value: RESPValue, version: RESPProtocolVersion, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let text):
            buffer.writeInteger(UInt8(ascii: "+"))
            writeLineSafe(text, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .error(let text):
            buffer.writeInteger(UInt8(ascii: "-"))
            writeLineSafe(text, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .integer(let number):
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeString(String(number))
            buffer.writeStaticString("\r\n")
        case .bulkString(let bytes):
            writeBulk(bytes, into: &buffer)
        case .null:
            switch version {
            case .resp2: buffer.writeStaticString("$-1\r\n")
            case .resp3: buffer.writeStaticString("_\r\n")
            }
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "*"))
            buffer.writeString(String(elements.count))
            buffer.writeStaticString("\r\n")
            for element in elements {
                encode(element, version: version, into: &buffer)
            }
        case .map(let entries):
            switch version {
            case .resp2:
                buffer.writeInteger(UInt8(ascii: "*"))
                buffer.writeString(String(entries.count * 2))
            case .resp3:
                buffer.writeInteger(UInt8(ascii: "%"))
                buffer.writeString(String(entries.count))
            }
            buffer.writeStaticString("\r\n")
            for entry in entries {
                encode(entry.key, version: version, into: &buffer)
                encode(entry.value, version: version, into: &buffer)
            }
        case .double(let number):
            let text = formatDouble(number)
            switch version {
            case .resp2:
                writeBulk(ByteBuffer(string: text), into: &buffer)
            case .resp3:
                buffer.writeInteger(UInt8(ascii: ","))
                buffer.writeString(text)
                buffer.writeStaticString("\r\n")
            }
        case .boolean(let flag):
            switch version {
            case .resp2: buffer.writeStaticString(flag ? ":1\r\n" : ":0\r\n")
            case .resp3: buffer.writeStaticString(flag ? "#t\r\n" : "#f\r\n")
            }
        }
    }

    /// The encoded bytes of one value; convenient for tests and for one-off replies.
    public static func encoded(_ value: RESPValue, version: RESPProtocolVersion) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(value, version: version, into: &buffer)
        return buffer
    }

    /// The shortest text that reads back as the same double, spelled as RESP3 wants
    /// (`inf`, `-inf`, `nan`); integral values keep no fraction (`3`, as Redis's `%.17g` does).
    public static func formatDouble(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        if number == number.rounded(), abs(number) < 1e15 {
            return String(Int64(number))
        }
        return "\(number)"
    }

    private static func writeBulk(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        buffer.writeString(String(bytes.readableBytes))
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(bytes)
        buffer.writeStaticString("\r\n")
    }

    /// Simple strings and errors cannot hold CR or LF; like Redis, replace them with spaces so a
    /// message quoting user input can never break the framing.
    private static func writeLineSafe(_ text: String, into buffer: inout ByteBuffer) {
        for byte in text.utf8 {
            buffer.writeInteger(byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") ? UInt8(ascii: " ") : byte)
        }
    }
}
