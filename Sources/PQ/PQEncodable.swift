import Foundation

/// One bound parameter: its type and its binary value, or NULL.
public struct PQBind: Sendable {
    public var type: UInt32
    public var bytes: [UInt8]?

    public init(type: UInt32, bytes: [UInt8]?) {
        self.type = type
        self.bytes = bytes
    }
}

/// A Swift value that can be sent to PostgreSQL as a bind parameter.
public protocol PQEncodable: Sendable {
    /// The PostgreSQL type of the value.
    static var pqType: UInt32 { get }
    /// Appends the value's binary representation.
    func encode(into bytes: inout [UInt8])
}

extension PQEncodable {
    @inlinable
    public var pqBind: PQBind {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return PQBind(type: Self.pqType, bytes: bytes)
    }
}

extension Int: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.int8 }
    @inlinable public func encode(into bytes: inout [UInt8]) { PQBinary.append(Int64(self), to: &bytes) }
}

extension Int64: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.int8 }
    @inlinable public func encode(into bytes: inout [UInt8]) { PQBinary.append(self, to: &bytes) }
}

extension Int32: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.int4 }
    @inlinable public func encode(into bytes: inout [UInt8]) { PQBinary.append(self, to: &bytes) }
}

extension Double: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.float8 }
    @inlinable public func encode(into bytes: inout [UInt8]) { PQBinary.append(bitPattern, to: &bytes) }
}

extension Bool: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.bool }
    @inlinable public func encode(into bytes: inout [UInt8]) { bytes.append(self ? 1 : 0) }
}

extension String: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.text }
    @inlinable public func encode(into bytes: inout [UInt8]) { bytes.append(contentsOf: utf8) }
}

extension UUID: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.uuid }
    @inlinable
    public func encode(into bytes: inout [UInt8]) {
        withUnsafeBytes(of: uuid) { bytes.append(contentsOf: $0) }
    }
}

extension Date: PQEncodable {
    @inlinable public static var pqType: UInt32 { PQType.timestamptz }
    @inlinable public func encode(into bytes: inout [UInt8]) { PQBinary.append(PQBinary.micros(from: self), to: &bytes) }
}

/// Raw bytes, sent as `bytea`. (A plain `[UInt8]` would be ambiguous with arrays of integers.)
public struct PQBytes: Hashable, Sendable, PQEncodable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ data: Data) { self.bytes = [UInt8](data) }
    @inlinable public static var pqType: UInt32 { PQType.bytea }
    @inlinable public func encode(into bytes: inout [UInt8]) { bytes.append(contentsOf: self.bytes) }
}

/// Arrays travel as one-dimensional PostgreSQL arrays; `nil` elements become NULL.
/// This is what makes a batch of thousands of rows a single statement with `unnest`.
extension Array: PQEncodable where Element: PQArrayElement {
    @inlinable public static var pqType: UInt32 { PQType.array(of: Element.pqElementType) ?? 0 }

    @inlinable
    public func encode(into bytes: inout [UInt8]) {
        let hasNull = contains { $0.isNullElement }
        bytes.reserveCapacity(bytes.count + 20 + count * 12)
        PQBinary.append(Int32(1), to: &bytes)  // dimensions
        PQBinary.append(Int32(hasNull ? 1 : 0), to: &bytes)
        PQBinary.append(Int32(bitPattern: Element.pqElementType), to: &bytes)
        PQBinary.append(Int32(count), to: &bytes)
        PQBinary.append(Int32(1), to: &bytes)  // lower bound
        for value in self {
            if value.isNullElement {
                PQBinary.append(Int32(-1), to: &bytes)
                continue
            }
            // Encoded in place, its length written before it once known.
            let lengthAt = bytes.count
            PQBinary.append(Int32(0), to: &bytes)
            value.encodeElement(into: &bytes)
            let length = Int32(bytes.count - lengthAt - 4).bigEndian
            Swift.withUnsafeBytes(of: length) { length in
                for offset in 0..<4 { bytes[lengthAt + offset] = length[offset] }
            }
        }
    }
}

/// A value that may stand in a PostgreSQL array, including optionals for NULL elements.
public protocol PQArrayElement: Sendable {
    static var pqElementType: UInt32 { get }
    var isNullElement: Bool { get }
    func encodeElement(into bytes: inout [UInt8])
}

extension PQArrayElement where Self: PQEncodable {
    @inlinable public static var pqElementType: UInt32 { pqType }
    @inlinable public var isNullElement: Bool { false }
    @inlinable public func encodeElement(into bytes: inout [UInt8]) { encode(into: &bytes) }
}

extension Int: PQArrayElement {}
extension Int64: PQArrayElement {}
extension Int32: PQArrayElement {}
extension Double: PQArrayElement {}
extension Bool: PQArrayElement {}
extension String: PQArrayElement {}
extension UUID: PQArrayElement {}
extension Date: PQArrayElement {}
extension PQBytes: PQArrayElement {}

extension Optional: PQArrayElement where Wrapped: PQArrayElement {
    @inlinable public static var pqElementType: UInt32 { Wrapped.pqElementType }
    @inlinable public var isNullElement: Bool {
        guard let value = self else { return true }
        return value.isNullElement
    }
    @inlinable public func encodeElement(into bytes: inout [UInt8]) { self?.encodeElement(into: &bytes) }
}
