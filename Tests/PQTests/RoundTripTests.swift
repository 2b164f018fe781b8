import Foundation
import PQ
import Testing
import TestSupport

@Suite("PQ round trips") struct RoundTripTests {
    @Test func everyScalarTypeRoundTrips() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_764_000_000.123456)
            let row = try await connection.query("""
                SELECT \(42)::int8, \(Int32(-7))::int4, \(Int64.max)::int8, \(3.25)::float8, \(true)::bool,
                       \("héllo, 世界 🎉")::text, \(id)::uuid, \(when)::timestamptz, \(PQBytes([0, 1, 255]))::bytea,
                       \(Double.pi)::float8, \(-0.0)::float8
                """)[0]
            #expect(try row.decode(0, as: Int.self) == 42)
            #expect(try row.decode(1, as: Int32.self) == -7)
            #expect(try row.decode(2, as: Int64.self) == Int64.max)
            #expect(try row.decode(3, as: Double.self) == 3.25)
            #expect(try row.decode(4, as: Bool.self) == true)
            #expect(try row.decode(5, as: String.self) == "héllo, 世界 🎉")
            #expect(try row.decode(6, as: UUID.self) == id)
            #expect(abs(try row.decode(7, as: Date.self).timeIntervalSince(when)) < 1e-6)
            #expect(try row.decode(8, as: PQBytes.self) == PQBytes([0, 1, 255]))
            #expect(try row.decode(9, as: Double.self) == Double.pi)
            #expect(try row.decode(10, as: Double.self).sign == .minus)
        }
    }

    @Test func narrowerColumnTypesDecodeAsWiderSwiftTypes() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let row = try await connection.query(
                "SELECT 7::int2, 8::int4, 1.5::float4, 'x'::varchar, 'y'::name, '{\"a\":1}'::jsonb, count(*) FROM (VALUES (1)) v"
            )[0]
            #expect(try row.decode(0, as: Int.self) == 7)
            #expect(try row.decode(1, as: Int.self) == 8)
            #expect(try row.decode(2, as: Double.self) == 1.5)
            #expect(try row.decode(3, as: String.self) == "x")
            #expect(try row.decode(4, as: String.self) == "y")
            #expect(try row.decode(5, as: String.self) == "{\"a\": 1}")
            #expect(try row.decode(6, as: Int.self) == 1)
        }
    }

    @Test func nullsDecodeAsOptionalsAndRefuseNonOptionals() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let missing: Int? = nil
            let row = try await connection.query("SELECT \(missing)::int8 AS n, \(Optional("x"))::text AS s")[0]
            #expect(row.isNull(0))
            #expect(try row.decode("n", as: Int?.self) == nil)
            #expect(try row.decode("s", as: String?.self) == "x")
            #expect(throws: PQError.self) { try row.decode("n", as: Int.self) }
        }
    }

    @Test func byteaCarriesEveryByteValue() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let all = PQBytes((0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) })
            let row = try await connection.query("SELECT \(all)::bytea, length(\(all)::bytea)")[0]
            #expect(try row.decode(0, as: PQBytes.self) == all)
            #expect(try row.decode(1, as: Int.self) == 512)
        }
    }

    @Test func textKeepsUnicodeExactly() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let samples = [
                "", " ", "a\tb\nc\r\n", "'; DROP TABLE x; --", "\\x00 not a nul", "e\u{301}", "👩‍👩‍👧‍👦", "עברית", "\u{FEFF}bom",
                String(repeating: "long ", count: 20_000),
            ]
            for sample in samples {
                let row = try await connection.query("SELECT \(sample)::text, octet_length(\(sample)::text)")[0]
                #expect(try row.decode(0, as: String.self) == sample)
                #expect(try row.decode(1, as: Int.self) == sample.utf8.count)
            }
        }
    }

    @Test func arraysRoundTripWithNulls() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let ids = [UUID(), UUID()]
            let row = try await connection.query("""
                SELECT \([1, 2, 3])::int8[], \(["a", "b,c", "\"q\""])::text[], \(ids)::uuid[], \([1.5, -2.0])::float8[],
                       \([true, false])::bool[], \([Optional(1), nil, 3])::int8[], \([String]())::text[],
                       \([PQBytes([0]), PQBytes([255, 0])])::bytea[]
                """)[0]
            #expect(try row.decode(0, as: [Int].self) == [1, 2, 3])
            #expect(try row.decode(1, as: [String].self) == ["a", "b,c", "\"q\""])
            #expect(try row.decode(2, as: [UUID].self) == ids)
            #expect(try row.decode(3, as: [Double].self) == [1.5, -2.0])
            #expect(try row.decode(4, as: [Bool].self) == [true, false])
            #expect(try row.decode(5, as: [Int?].self) == [1, nil, 3])
            #expect(try row.decode(6, as: [String].self) == [])
            #expect(try row.decode(7, as: [PQBytes].self) == [PQBytes([0]), PQBytes([255, 0])])
            #expect(throws: PQError.self) { try row.decode(5, as: [Int].self) }
        }
    }
}
