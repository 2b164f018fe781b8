/// SQL text with its bind parameters. Every interpolated value becomes a `$n` parameter,
/// so values can never change a statement's meaning:
///
///     let rows = try conn.query("SELECT name FROM agents WHERE org_id = \(orgID) AND name = \(name)")
public struct PQQuery: Sendable, ExpressibleByStringInterpolation {
    public private(set) var sql: String
    public private(set) var binds: [PQBind]
    /// Whether the connection keeps this statement prepared (parsed and planned once) for reuse.
    public private(set) var isPrepared = false

    /// The same statement, prepared once per connection and reused: for hot statements that run
    /// again and again with new parameters, so that each run skips parsing and planning.
    public func prepared() -> PQQuery {
        var copy = self
        copy.isPrepared = true
        return copy
    }

    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    /// A statement from constant text plus explicit parameters (`$1`, `$2`, … in the text).
    public init(_ sql: String, _ parameters: [any PQEncodable]) {
        self.sql = sql
        self.binds = parameters.map(\.pqBind)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        @usableFromInline var sql = ""
        @usableFromInline var binds: [PQBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        // Inlinable: specialized where the statement is written (see `PQBinary`).
        @inlinable
        public mutating func appendInterpolation<Value: PQEncodable>(_ value: Value) {
            binds.append(value.pqBind)
            sql += "$\(binds.count)"
        }

        @inlinable
        public mutating func appendInterpolation<Value: PQEncodable>(_ value: Value?) {
            binds.append(value?.pqBind ?? PQBind(type: Value.pqType, bytes: nil))
            sql += "$\(binds.count)"
        }
    }
}
