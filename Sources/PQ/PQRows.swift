/// A result set copied out of libpq: column names and types, and each row's binary cells.
public struct PQRows: Sendable, RandomAccessCollection {
    public let columns: [String]
    @usableFromInline let types: [UInt32]
    @usableFromInline let cells: [[UInt8]?]  // row-major, `columns.count` per row
    /// Rows affected, for INSERT/UPDATE/DELETE (PQcmdTuples); 0 otherwise.
    public let affectedRows: Int

    init(columns: [String], types: [UInt32], cells: [[UInt8]?], affectedRows: Int) {
        self.columns = columns
        self.types = types
        self.cells = cells
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PQRow { PQRow(rows: self, index: position) }
}

/// One row of a `PQRows`.
public struct PQRow: Sendable {
    @usableFromInline let rows: PQRows
    @usableFromInline let index: Int

    public func isNull(_ column: Int) -> Bool {
        rows.cells[index * rows.columns.count + column] == nil
    }

    /// Decodes a column by position; a NULL cell is an error unless `T` is optional.
    /// Inlinable, so that each caller's decode is specialized for its type: unspecialized, every
    /// cell looked up generic metadata (18% of loading a million relations).
    @inlinable
    public func decode<T: PQDecodable>(_ column: Int, as type: T.Type = T.self) throws(PQError) -> T {
        guard column >= 0 && column < rows.columns.count else {
            throw .misuse("column \(column) out of range (\(rows.columns.count) columns)")
        }
        let name = rows.columns[column]
        guard let bytes = rows.cells[index * rows.columns.count + column] else {
            if let null = (T.self as? any PQNullable.Type)?.pqNull as? T { return null }
            throw .decoding(column: name, message: "is NULL; decode it as an optional")
        }
        let type = rows.types[column]
        let outcome: Result<T, PQDecodingFailure> = bytes.withUnsafeBytes { raw in
            do throws(PQDecodingFailure) {
                return .success(try T.decode(type: type, bytes: raw))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let failure): throw .decoding(column: name, message: failure.message)
        }
    }

    /// Decodes a column by name.
    public func decode<T: PQDecodable>(_ name: String, as type: T.Type = T.self) throws(PQError) -> T {
        guard let column = rows.columns.firstIndex(of: name) else {
            throw .misuse("no column named \(name); columns are \(rows.columns.joined(separator: ", "))")
        }
        return try decode(column, as: type)
    }
}
