import CLibPQ
import Foundation

/// One PostgreSQL connection. An actor whose executor is the connection's own thread, so every
/// blocking libpq call runs there and never on an event loop or the concurrency pool.
///
/// Methods are synchronous inside the actor: group several statements into one hop with
/// `withConnection` or `transaction`, whose closure runs on the connection's thread.
public actor PQConnection {
    private nonisolated let thread: ConnectionThread
    private var handle: OpaquePointer?
    /// Names of statements prepared on this connection, by SQL text and parameter types.
    private var preparedNames: [String: String] = [:]
    /// What the connection was opened with, for `reconnect()`.
    public nonisolated let conninfo: String

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        thread.asUnownedSerialExecutor()
    }

    /// Opens a connection. `conninfo` is a URI (`postgresql://u@h/db`) or key-value string
    /// (`host=/tmp dbname=x`); what it leaves out comes from libpq's `PG*` variables, so an empty
    /// string connects as the environment says.
    public static func connect(_ conninfo: String, connectTimeoutSeconds: Int = 5) async throws(PQError) -> PQConnection {
        let connection = PQConnection(conninfo: conninfo)
        try await connection.open(connectTimeoutSeconds: connectTimeoutSeconds)
        return connection
    }

    private init(conninfo: String) {
        self.conninfo = conninfo
        self.thread = ConnectionThread(name: "pq-connection")
    }

    isolated deinit {
        if let handle { PQfinish(handle) }
        thread.stop()
    }

    /// TCP keepalives and a user timeout, so that a database host that vanished (no reset ever
    /// arrives) fails a waiting statement within about half a minute instead of the kernel's
    /// default of hours: a commit's tickets, and a shutdown's flush, would wait that long. They
    /// do not cut a slow statement short: its bytes are acknowledged, and the server answers
    /// keepalive probes while it works. Unix-socket connections ignore them. The conninfo may
    /// set other values.
    static let connectionDefaults: KeyValuePairs<String, String> = [
        "keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3",
        "tcp_user_timeout": "30000",
    ]

    private func open(connectTimeoutSeconds: Int) throws(PQError) {
        // Keywords before `dbname` are defaults; the expanded conninfo overrides them.
        let keywords = ["connect_timeout", "application_name"] + Self.connectionDefaults.map(\.key) + ["dbname"]
        let values = [String(connectTimeoutSeconds), "prioritizer"] + Self.connectionDefaults.map(\.value) + [conninfo]
        let connection = withArrayOfCStrings(keywords) { keys in
            withArrayOfCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { Self.trimmedError(PQerrorMessage($0)) } ?? "out of memory"
            if let connection { PQfinish(connection) }
            throw .connectFailed(message: message)
        }
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
        preparedNames.removeAll()
    }

    /// Drops the current connection, if any, and opens a new one with the same conninfo.
    public func reconnect(connectTimeoutSeconds: Int = 5) throws(PQError) {
        if let handle { PQfinish(handle) }
        handle = nil
        try open(connectTimeoutSeconds: connectTimeoutSeconds)
    }

    /// The value libpq uses for connection option `keyword` (as `PQconninfo` reports it).
    public func connectionOption(_ keyword: String) -> String? {
        guard let handle, let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// Whether libpq still considers the connection usable.
    public var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether the connection still works, judged without a round trip: reads whatever the server
    /// sent while the connection sat idle (a termination notice, end of file), which is how a
    /// connection ended by a server shutdown or `pg_terminate_backend` shows itself.
    public var isAlive: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        // One call reads what is buffered (say the termination notice); end of file shows only
        // on the next read. Reads never block: libpq's socket is non-blocking underneath.
        for _ in 0..<3 {
            if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK { return false }
        }
        return true
    }

    /// The backend's process id, e.g. to terminate it in tests.
    public var backendPID: Int32 {
        handle.map { PQbackendPID($0) } ?? 0
    }

    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// Runs `body` on the connection's thread with the actor isolated, so its statements need no
    /// further hops.
    public func withConnection<T: Sendable>(
        _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        try body(self)
    }

    /// Runs parameterized statement(s) and returns the rows.
    @discardableResult
    public func query(_ query: PQQuery) throws(PQError) -> PQRows {
        try run(query, committing: false)
    }

    /// Runs a statement and returns how many rows it affected.
    @discardableResult
    public func execute(_ query: PQQuery) throws(PQError) -> Int {
        try run(query, committing: false).affectedRows
    }

    /// `query`, with the statement prepared once per connection and reused (see `PQQuery.prepared()`).
    @discardableResult
    public func query(prepared query: PQQuery) throws(PQError) -> PQRows {
        try run(query.prepared(), committing: false)
    }

    /// `execute`, with the statement prepared once per connection and reused.
    @discardableResult
    public func execute(prepared query: PQQuery) throws(PQError) -> Int {
        try run(query.prepared(), committing: false).affectedRows
    }

    /// Runs constant SQL that may hold several statements (migrations, `BEGIN`), with no
    /// parameters: the simple-query protocol. Never pass values in `sql`.
    public func executeScript(_ sql: String) throws(PQError) {
        try sendDeferredBegin()
        let handle = try liveHandle()
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, committing: false)
    }

    /// BEGIN … COMMIT around `body`; ROLLBACK when it throws. A connection lost during COMMIT is
    /// reported as `connectionLost(duringCommit: true)`: the outcome is unknown, so the caller
    /// must not acknowledge anything that depended on it.
    ///
    /// BEGIN and `preamble` (single statements, each prepared or not as it says) are not sent on
    /// their own: they go in one flight with the body's first statement (libpq's pipeline mode),
    /// so a transaction costs no round trip of its own before its work. A group commit is a
    /// handful of statements, and every round trip saved is latency each request of the batch
    /// waits for. A body that runs no statement sends nothing.
    public func transaction<T>(
        preamble: [PQQuery] = [], _ body: (isolated PQConnection) throws -> T
    ) throws -> T {
        guard !inTransaction else { throw PQError.misuse("a transaction is already in progress on this connection") }
        deferredBegin = ["BEGIN"] + preamble
        inTransaction = true
        committedInline = false
        defer {
            deferredBegin = nil
            inTransaction = false
            committedInline = false
        }
        let value: T
        do {
            value = try body(self)
        } catch {
            if deferredBegin == nil && !committedInline && isHealthy { try? executeScript("ROLLBACK") }
            throw error
        }
        // Nothing was sent, or `queryThenCommit` committed: nothing left to commit.
        if deferredBegin != nil || committedInline { return value }
        let handle = try liveHandle()
        let result = PQexec(handle, "COMMIT")
        defer { PQclear(result) }
        try check(result, committing: true)
        return value
    }

    /// The BEGIN and preamble of the transaction in progress, until its first statement sends them.
    private var deferredBegin: [PQQuery]?
    private var inTransaction = false
    /// The transaction in progress was committed by `queryThenCommit`.
    private var committedInline = false

    /// Runs the transaction's last statement and its COMMIT in one flight (libpq's pipeline mode),
    /// saving COMMIT's own round trip; `transaction` then sends no COMMIT. Whatever must be checked
    /// before committing has to be checked by the statement itself, raising an error (which
    /// leaves COMMIT unrun and the transaction to be rolled back). A connection lost once the
    /// flight is sent is `connectionLost(duringCommit: true)`: the outcome is unknown.
    @discardableResult
    public func queryThenCommit(prepared query: PQQuery) throws(PQError) -> PQRows {
        try queriesThenCommit(prepared: [query])[0]
    }

    /// `queries` (each prepared once per connection) and COMMIT, in one flight: the rows of each,
    /// in order. As for `queryThenCommit`, each statement checks what must hold before committing
    /// by raising an error; the statements after a failed one and COMMIT do not run, and the
    /// transaction is rolled back. A transaction whose statements do not depend on each other's
    /// results thus costs one round trip, BEGIN and its preamble included when none ran before.
    public func queriesThenCommit(prepared queries: [PQQuery]) throws(PQError) -> [PQRows] {
        guard inTransaction, !committedInline else {
            throw .misuse("queryThenCommit outside a transaction, or after its commit")
        }
        guard !queries.isEmpty else { throw .misuse("queriesThenCommit without a statement") }
        let handle = try liveHandle()
        let leading = deferredBegin ?? []
        deferredBegin = nil
        let rows = try runPipelined(queries.map { $0.prepared() }, after: leading, thenCommit: true, on: handle)
        committedInline = true
        return rows
    }

    /// Sends the deferred BEGIN and preamble on their own (before a script, which cannot join a
    /// pipeline).
    private func sendDeferredBegin() throws(PQError) {
        guard let statements = deferredBegin else { return }
        deferredBegin = nil
        _ = try runPipelined([], after: statements, thenCommit: false, on: try liveHandle())
    }

    // MARK: - libpq plumbing

    func liveHandle() throws(PQError) -> OpaquePointer {
        guard let handle else { throw .misuse("the connection is closed") }
        return handle
    }

    private func run(_ query: PQQuery, committing: Bool) throws(PQError) -> PQRows {
        if committedInline { throw .misuse("a statement after the transaction's commit") }
        let handle = try liveHandle()
        if let leading = deferredBegin {
            deferredBegin = nil
            return try runPipelined([query], after: leading, thenCommit: false, on: handle)[0]
        }
        let binds = query.binds
        let types = binds.map { Oid($0.type) }
        let lengths = binds.map { Int32($0.bytes?.count ?? 0) }
        let formats = [Int32](repeating: 1, count: binds.count)
        var statementName: String?
        if query.isPrepared {
            statementName = try prepare(query.sql, types: types, on: handle)
        }
        let result: OpaquePointer? = withParameterPointers(binds) { values in
            if let statementName {
                PQexecPrepared(handle, statementName, Int32(binds.count), values, lengths, formats, 1)
            } else {
                PQexecParams(handle, query.sql, Int32(binds.count), types, values, lengths, formats, 1)
            }
        }
        defer { PQclear(result) }
        try check(result, committing: committing)
        return Self.copyRows(result!)
    }

    /// Runs `leading` (whose rows are dropped), `queries`, then COMMIT when `thenCommit`, in one
    /// flight: pipeline mode, one sync, results read in order. A prepared query not yet prepared
    /// on this connection is prepared in the same flight, just before it runs (so a query of
    /// `queries` under the role `leading` sets). The first error is thrown once every result is
    /// read; the statements after a failed one do not run. A pipeline left unreadable (the
    /// connection lost midway) closes the connection, which the pool then replaces; when the
    /// flight held a COMMIT, the error says the commit's outcome is unknown.
    private func runPipelined(
        _ queries: [PQQuery], after leading: [PQQuery], thenCommit committing: Bool, on handle: OpaquePointer
    ) throws(PQError) -> [PQRows] {
        enum Step {
            case prepare(name: String, key: String, query: PQQuery)
            /// `result`: the index in `queries` whose rows this step answers (nil: leading, COMMIT).
            case execute(query: PQQuery, statementName: String?, result: Int?)
        }
        var steps: [Step] = []
        var namesInFlight: [String: String] = [:]
        func add(_ query: PQQuery, result: Int?) {
            var statementName: String?
            if query.isPrepared {
                let key = Self.statementKey(query.sql, types: query.binds.map { Oid($0.type) })
                if let name = preparedNames[key] ?? namesInFlight[key] {
                    statementName = name
                } else {
                    let name = "pq_\(preparedNames.count + namesInFlight.count + 1)"
                    statementName = name
                    namesInFlight[key] = name
                    steps.append(.prepare(name: name, key: key, query: query))
                }
            }
            steps.append(.execute(query: query, statementName: statementName, result: result))
        }
        for query in leading { add(query, result: nil) }
        for (index, query) in queries.enumerated() { add(query, result: index) }
        if committing { add("COMMIT", result: nil) }

        guard PQenterPipelineMode(handle) == 1 else {
            throw lostOrMisuse(Self.trimmedError(PQerrorMessage(handle)), committing: false)
        }
        var sent = true
        for step in steps where sent {
            switch step {
            case .prepare(let name, _, let query):
                let types = query.binds.map { Oid($0.type) }
                sent = PQsendPrepare(handle, name, query.sql, Int32(types.count), types) == 1
            case .execute(let query, let statementName, _):
                let binds = query.binds
                let lengths = binds.map { Int32($0.bytes?.count ?? 0) }
                let formats = [Int32](repeating: 1, count: binds.count)
                sent = withParameterPointers(binds) { values in
                    if let statementName {
                        return PQsendQueryPrepared(handle, statementName, Int32(binds.count), values, lengths, formats, 1)
                    }
                    let types = binds.map { Oid($0.type) }
                    return PQsendQueryParams(handle, query.sql, Int32(binds.count), types, values, lengths, formats, 1)
                } == 1
            }
        }
        if sent { sent = PQpipelineSync(handle) == 1 }
        // Nothing may have reached the server when a send fails, but a COMMIT may have.
        guard sent else { throw abandonPipeline(handle, committing: committing) }

        var failure: PQError?
        var rows: [PQRows?] = Array(repeating: nil, count: queries.count)
        var pastLastExecute = false
        // Whether a COMMIT of the flight may have run: false without one, and once the backend's
        // termination notice answered a step ahead of it.
        var commitMayHaveRun = committing
        for step in steps {
            // Each step's result, then the null that ends it.
            guard let result = PQgetResult(handle) else { throw abandonPipeline(handle, committing: commitMayHaveRun) }
            if !pastLastExecute && Self.isTerminationNotice(result) { commitMayHaveRun = false }
            if PQresultStatus(result) != PGRES_PIPELINE_ABORTED && failure == nil {
                do throws(PQError) {
                    try check(result, committing: pastLastExecute && commitMayHaveRun)
                    switch step {
                    case .prepare(let name, let key, _): preparedNames[key] = name
                    case .execute(_, _, let index?): rows[index] = Self.copyRows(result)
                    case .execute: break
                    }
                } catch {
                    failure = error
                }
            }
            if case .execute(_, _, let index?) = step, index == queries.count - 1 { pastLastExecute = true }
            PQclear(result)
            if let extra = PQgetResult(handle) {
                PQclear(extra)
                throw abandonPipeline(handle, committing: commitMayHaveRun)
            }
        }
        guard let sync = PQgetResult(handle) else { throw abandonPipeline(handle, committing: commitMayHaveRun) }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(handle) == 1 else { throw abandonPipeline(handle, committing: commitMayHaveRun) }
        if let failure { throw failure }
        return rows.map { $0! }
    }

    /// Whether `result` is a backend's notice that it is ending: FATAL with an SQLSTATE of class
    /// 57P (terminated by an administrator, a shutdown, another backend's crash, the database
    /// dropped, idle_session_timeout). PostgreSQL flushes the answers it had buffered before
    /// sending it and exits after, so a notice read as the answer to a step means that step did
    /// not complete and no later one ran: a notice ahead of COMMIT's answer means no commit. (A
    /// connection that just breaks carries no such notice, and a COMMIT sent on it stays unknown.)
    private static func isTerminationNotice(_ result: OpaquePointer) -> Bool {
        guard PQresultStatus(result) == PGRES_FATAL_ERROR,
              let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))),
              let state = PQresultErrorField(result, Int32(UInt8(ascii: "C")))
        else { return false }
        return String(cString: severity) == "FATAL" && String(cString: state).hasPrefix("57P")
    }

    /// A pipeline that cannot be read to its end: the connection is closed (its state is
    /// unknown), and the error says so.
    private func abandonPipeline(_ handle: OpaquePointer, committing: Bool) -> PQError {
        let message = Self.trimmedError(PQerrorMessage(handle))
        PQfinish(handle)
        self.handle = nil
        return .connectionLost(message: message, duringCommit: committing)
    }

    /// The name of the statement prepared for this text and these parameter types, preparing it
    /// the first time.
    private func prepare(_ sql: String, types: [Oid], on handle: OpaquePointer) throws(PQError) -> String {
        let key = Self.statementKey(sql, types: types)
        if let name = preparedNames[key] { return name }
        let name = "pq_\(preparedNames.count + 1)"
        let result = PQprepare(handle, name, sql, Int32(types.count), types)
        defer { PQclear(result) }
        try check(result, committing: false)
        preparedNames[key] = name
        return name
    }

    /// What identifies a prepared statement: its text and parameter types.
    private static func statementKey(_ sql: String, types: [Oid]) -> String {
        types.map(String.init).joined(separator: ",") + ";" + sql
    }

    private func check(_ result: OpaquePointer?, committing: Bool) throws(PQError) {
        let handle = try liveHandle()
        guard let result else {
            throw lostOrMisuse(Self.trimmedError(PQerrorMessage(handle)), committing: committing)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            if PQstatus(handle) != CONNECTION_OK {
                throw .connectionLost(message: Self.trimmedError(PQerrorMessage(handle)), duringCommit: committing)
            }
            let field = { (code: Int32) -> String? in
                PQresultErrorField(result, code).map { String(cString: $0) }
            }
            guard let state = field(Int32(UInt8(ascii: "C"))) else {
                throw lostOrMisuse(Self.trimmedError(PQresultErrorMessage(result)), committing: committing)
            }
            throw .server(
                sqlState: state,
                message: field(Int32(UInt8(ascii: "M"))) ?? "unknown error",
                detail: field(Int32(UInt8(ascii: "D"))),
                hint: field(Int32(UInt8(ascii: "H")))
            )
        }
    }

    func lostOrMisuse(_ message: String, committing: Bool) -> PQError {
        if let handle, PQstatus(handle) == CONNECTION_OK {
            return .misuse(message)
        }
        return .connectionLost(message: message, duringCommit: committing)
    }

    private static func copyRows(_ result: OpaquePointer) -> PQRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        var types: [UInt32] = []
        for column in 0..<columnCount {
            columns.append(String(cString: PQfname(result, Int32(column))))
            types.append(UInt32(PQftype(result, Int32(column))))
        }
        let cellCount = rowCount * columnCount
        var lengths: [Int32] = []
        lengths.reserveCapacity(cellCount)
        var total = 0
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    lengths.append(-1)
                } else {
                    let length = PQgetlength(result, Int32(row), Int32(column))
                    lengths.append(length)
                    total += Int(length)
                }
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        var starts: [Int] = []
        starts.reserveCapacity(cellCount)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                starts.append(bytes.count)
                let length = Int(lengths[row * columnCount + column])
                guard length > 0 else { continue }
                let value = PQgetvalue(result, Int32(row), Int32(column))!
                value.withMemoryRebound(to: UInt8.self, capacity: length) {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PQRows(columns: columns, types: types, bytes: bytes, starts: starts, lengths: lengths, affectedRows: affected)
    }

    static func trimmedError(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        // libpq's messages span lines ("connection to server … failed: …\n\tIs the server
        // running…"); errors here are reported on one line.
        return String(cString: message)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

/// Calls `body` with a C array of C strings that lives for the call.
private func withArrayOfCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { UnsafePointer(strdup($0)) }
    pointers.append(nil)
    defer { pointers.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return body(pointers)
}

/// Calls `body` with pointers to each parameter's bytes (nil for NULL), alive for the call.
private func withParameterPointers<R>(_ binds: [PQBind], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var buffers: [UnsafeMutablePointer<CChar>?] = []
    buffers.reserveCapacity(binds.count)
    for bind in binds {
        guard let bytes = bind.bytes else {
            buffers.append(nil)
            continue
        }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(start: buffer, count: bytes.count).copyMemory(from: source)
        }
        buffers.append(buffer)
    }
    defer { buffers.forEach { $0?.deallocate() } }
    return body(buffers.map { UnsafePointer($0) })
}
