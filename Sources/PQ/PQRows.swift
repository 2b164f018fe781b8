/// A result set copied out of libpq: column names and types, and each row's binary cells.
///
/// The cells' bytes are copied into one buffer, each cell an offset and a length into it: an
/// array per cell cost an allocation per value, millions of them for a large load (an
/// organization's relations).
public struct PQRows: Sendable, RandomAccessCollection {
    public let columns: [String]
    @usableFromInline let types: [UInt32]
    /// Every non-NULL cell's bytes, row-major.
    @usableFromInline let bytes: [UInt8]
    /// Per cell, row-major (`columns.count` per row): where its bytes start in `bytes`.
    @usableFromInline let starts: [Int]
    /// Per cell: its length, or -1 for NULL.
    @usableFromInline let lengths: [Int32]
    /// Rows affected, for INSERT/UPDATE/DELETE (PQcmdTuples); 0 otherwise.
    public let affectedRows: Int

    init(columns: [String], types: [UInt32], bytes: [UInt8], starts: [Int], lengths: [Int32], affectedRows: Int) {
        self.columns = columns
        self.types = types
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : lengths.count / columns.count }

    public subscript(position: Int) -> PQRow { PQRow(rows: self, index: position) }
}

/// One row of a `PQRows`.
public struct PQRow: Sendable {
    @usableFromInline let rows: PQRows
    @usableFromInline let index: Int

    public func isNull(_ column: Int) -> Bool {
        rows.lengths[index * rows.columns.count + column] < 0
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
        let cell = index * rows.columns.count + column
        let length = Int(rows.lengths[cell])
        guard length >= 0 else {
            if let null = (T.self as? any PQNullable.Type)?.pqNull as? T { return null }
            throw .decoding(column: name, message: "is NULL; decode it as an optional")
        }
        let type = rows.types[column]
        let start = rows.starts[cell]
        let outcome: Result<T, PQDecodingFailure> = rows.bytes.withUnsafeBytes { all in
            do throws(PQDecodingFailure) {
                return .success(try T.decode(type: type, bytes: UnsafeRawBufferPointer(rebasing: all[start..<start + length])))
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
