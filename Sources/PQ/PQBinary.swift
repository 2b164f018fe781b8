import Foundation

/// PostgreSQL's binary wire formats for the types this project uses.
/// Parameters and results both travel in binary: exact, binary-safe, no DateStyle surprises.
///
/// The encoders are inlinable so that bind parameters are encoded by code specialized in the
/// calling module: a group commit encodes thousands of array elements, and through generic
/// witnesses that was a quarter of its server time.
@usableFromInline
enum PQBinary {
    /// Microseconds between the unix epoch and PostgreSQL's epoch (2000-01-01 UTC).
    @usableFromInline
    static let postgresEpochOffsetMicros: Int64 = 946_684_800_000_000

    @inlinable
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func readInteger<T: FixedWidthInteger>(_: T.Type, from bytes: UnsafeRawBufferPointer, at offset: Int) -> T {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + MemoryLayout<T>.size]))
        }
        return T(bigEndian: value)
    }

    @inlinable
    static func micros(from date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) - postgresEpochOffsetMicros
    }

    static func date(fromMicros micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros + postgresEpochOffsetMicros) / 1_000_000)
    }
}

/// Type OIDs from `pg_type`, stable across PostgreSQL versions.
public enum PQType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802

    public static let boolArray: UInt32 = 1000
    public static let byteaArray: UInt32 = 1001
    public static let int2Array: UInt32 = 1005
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let varcharArray: UInt32 = 1015
    public static let int8Array: UInt32 = 1016
    public static let float8Array: UInt32 = 1022
    public static let timestamptzArray: UInt32 = 1185
    public static let uuidArray: UInt32 = 2951

    /// The array type whose elements have `element`'s type.
    @inlinable
    static func array(of element: UInt32) -> UInt32? {
        switch element {
        case bool: boolArray
        case bytea: byteaArray
        case int2: int2Array
        case int4: int4Array
        case int8: int8Array
        case text: textArray
        case varchar: varcharArray
        case float8: float8Array
        case timestamptz: timestamptzArray
        case uuid: uuidArray
        default: nil
        }
    }
}
