/// Parses a decimal integer exactly as Redis's `string2ll` accepts it: an optional `-`, then
/// digits with no leading zero (except `0` itself), no `+`, no spaces, no overflow.
///
/// Used for RESP length headers and for numeric command arguments, so that `007`, ` 7` and
/// `1e3` are rejected the same way everywhere.
public enum StrictInteger {
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        var iterator = bytes.makeIterator()
        guard var byte = iterator.next() else { return nil }
        var negative = false
        if byte == UInt8(ascii: "-") {
            negative = true
            guard let next = iterator.next() else { return nil }
            byte = next
        }
        guard let firstDigit = digit(byte) else { return nil }
        if firstDigit == 0 {
            // "0" alone is fine; "-0" and "01" are not, as in Redis.
            return (iterator.next() == nil && !negative) ? 0 : nil
        }
        // Accumulate as a negative number so Int64.min parses without overflow.
        var value = -Int64(firstDigit)
        while let next = iterator.next() {
            guard let d = digit(next) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.subtractingReportingOverflow(Int64(d))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        if negative { return value }
        return value == Int64.min ? nil : -value
    }

    public static func parse(_ text: String) -> Int64? {
        parse(Array(text.utf8))
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
