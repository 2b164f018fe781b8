import Foundation

/// A Swift type that can be read from a result column in binary format.
public protocol PQDecodable: Sendable {
    static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Self
}

/// Why one value could not be decoded; wrapped with the column name into `PQError.decoding`.
public struct PQDecodingFailure: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }

    static func unexpected(_ type: UInt32, for swiftType: Any.Type) -> PQDecodingFailure {
        PQDecodingFailure("PostgreSQL type OID \(type) cannot be decoded as \(swiftType)")
    }

    static func size(_ count: Int, for swiftType: Any.Type) -> PQDecodingFailure {
        PQDecodingFailure("\(count) bytes cannot be a \(swiftType)")
    }
}

extension Int64: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Int64 {
        switch (type, bytes.count) {
        case (PQType.int8, 8): PQBinary.readInteger(Int64.self, from: bytes, at: 0)
        case (PQType.int4, 4), (PQType.oid, 4): Int64(PQBinary.readInteger(Int32.self, from: bytes, at: 0))
        case (PQType.int2, 2): Int64(PQBinary.readInteger(Int16.self, from: bytes, at: 0))
        case (PQType.int8, _), (PQType.int4, _), (PQType.int2, _): throw .size(bytes.count, for: Int64.self)
        case (PQType.numeric, _):
            throw PQDecodingFailure("numeric results must be cast to bigint or double precision in SQL")
        default: throw .unexpected(type, for: Int64.self)
        }
    }
}

extension Int: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Int {
        Int(try Int64.decode(type: type, bytes: bytes))
    }
}

extension Int32: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Int32 {
        let wide = try Int64.decode(type: type, bytes: bytes)
        guard let narrow = Int32(exactly: wide) else { throw PQDecodingFailure("\(wide) does not fit Int32") }
        return narrow
    }
}

extension Double: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Double {
        switch (type, bytes.count) {
        case (PQType.float8, 8): Double(bitPattern: PQBinary.readInteger(UInt64.self, from: bytes, at: 0))
        case (PQType.float4, 4): Double(Float(bitPattern: PQBinary.readInteger(UInt32.self, from: bytes, at: 0)))
        case (PQType.int8, _), (PQType.int4, _), (PQType.int2, _): Double(try Int64.decode(type: type, bytes: bytes))
        case (PQType.numeric, _):
            throw PQDecodingFailure("numeric results must be cast to bigint or double precision in SQL")
        default: throw .unexpected(type, for: Double.self)
        }
    }
}

extension Bool: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Bool {
        guard type == PQType.bool else { throw .unexpected(type, for: Bool.self) }
        guard bytes.count == 1 else { throw .size(bytes.count, for: Bool.self) }
        return bytes[0] != 0
    }
}

extension String: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> String {
        switch type {
        case PQType.text, PQType.varchar, PQType.bpchar, PQType.name, PQType.json:
            return String(decoding: bytes, as: UTF8.self)
        case PQType.jsonb:
            // Binary jsonb is a version byte (1) followed by the JSON text.
            guard bytes.first == 1 else { throw PQDecodingFailure("unknown jsonb version") }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        case PQType.uuid:
            return try UUID.decode(type: type, bytes: bytes).uuidString.lowercased()
        default:
            throw .unexpected(type, for: String.self)
        }
    }
}

extension UUID: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> UUID {
        guard type == PQType.uuid else { throw .unexpected(type, for: UUID.self) }
        guard bytes.count == 16 else { throw .size(bytes.count, for: UUID.self) }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

extension Date: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Date {
        guard type == PQType.timestamptz || type == PQType.timestamp else { throw .unexpected(type, for: Date.self) }
        guard bytes.count == 8 else { throw .size(bytes.count, for: Date.self) }
        let micros = PQBinary.readInteger(Int64.self, from: bytes, at: 0)
        if micros == Int64.max { return .distantFuture }  // 'infinity'
        if micros == Int64.min { return .distantPast }  // '-infinity'
        return PQBinary.date(fromMicros: micros)
    }
}

extension PQBytes: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> PQBytes {
        guard type == PQType.bytea else { throw .unexpected(type, for: PQBytes.self) }
        return PQBytes([UInt8](bytes))
    }
}

/// One-dimensional arrays; NULL elements need `[T?]`.
extension Array: PQDecodable where Element: PQDecodable {
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> [Element] {
        try PQArrayDecoder.decode(bytes: bytes) { (elementType, element) throws(PQDecodingFailure) -> Element in
            guard let element else {
                guard let null = (Element.self as? any PQNullable.Type)?.pqNull as? Element else {
                    throw PQDecodingFailure("array has a NULL element; decode as [T?]")
                }
                return null
            }
            return try Element.decode(type: elementType, bytes: element)
        }
    }
}

/// Types with a value that stands for SQL NULL.
public protocol PQNullable {
    static var pqNull: Self { get }
}

extension Optional: PQNullable {
    public static var pqNull: Wrapped? { nil }
}

extension Optional: PQDecodable where Wrapped: PQDecodable {
    /// Only reached for array elements and non-NULL cells: a NULL cell is handled by `PQRow`.
    public static func decode(type: UInt32, bytes: UnsafeRawBufferPointer) throws(PQDecodingFailure) -> Wrapped? {
        try Wrapped.decode(type: type, bytes: bytes)
    }
}

enum PQArrayDecoder {
    static func decode<Element>(
        bytes: UnsafeRawBufferPointer,
        element: (UInt32, UnsafeRawBufferPointer?) throws(PQDecodingFailure) -> Element
    ) throws(PQDecodingFailure) -> [Element] {
        guard bytes.count >= 12 else { throw PQDecodingFailure("array header too short") }
        let dimensions = PQBinary.readInteger(Int32.self, from: bytes, at: 0)
        let elementType = PQBinary.readInteger(UInt32.self, from: bytes, at: 8)
        if dimensions == 0 { return [] }
        guard dimensions == 1 else { throw PQDecodingFailure("only one-dimensional arrays are supported") }
        guard bytes.count >= 20 else { throw PQDecodingFailure("array header too short") }
        let count = Int(PQBinary.readInteger(Int32.self, from: bytes, at: 12))
        var offset = 20
        var result: [Element] = []
        result.reserveCapacity(min(count, bytes.count / 4))
        for _ in 0..<count {
            guard offset + 4 <= bytes.count else { throw PQDecodingFailure("array truncated") }
            let length = Int(PQBinary.readInteger(Int32.self, from: bytes, at: offset))
            offset += 4
            if length < 0 {
                result.append(try element(elementType, nil))
                continue
            }
            guard offset + length <= bytes.count else { throw PQDecodingFailure("array element truncated") }
            result.append(try element(elementType, UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])))
            offset += length
        }
        return result
    }
}
