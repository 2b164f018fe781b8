import Foundation
import Prioritization
import PQ

/// A private PostgreSQL cluster under `DIR/pg`, made from the machine's PostgreSQL binaries, that
/// listens on a unix socket only. Run as root, it runs the cluster as the unprivileged `postgres`
/// system user, since PostgreSQL refuses to run as root.
public struct EmbeddedPostgres: Sendable {
    public let dataDirectory: URL
    public let clusterDirectory: URL
    public let socketDirectory: URL
    public let binDirectory: URL
    /// The system user the cluster runs as when we are root; nil to run as ourselves.
    public let systemUser: String?
    public let port: Int
    public static let databaseName = "prioritizer"
    public static let superuserName = "prioritizer"

    /// - Parameter dataDirectory: `DIR`; the cluster lives in `DIR/pg`.
    public init(dataDirectory: URL, port: Int = 5432, binDirectory: URL? = nil) throws(EmbeddedPostgresError) {
        self.dataDirectory = dataDirectory.standardizedFileURL
        self.systemUser = getuid() == 0 ? "postgres" : nil
        let digest = SHA256Digest.hex(Array(SHA256Digest.hash(self.dataDirectory.path).prefix(6)))
        if systemUser != nil && !Self.othersCanSearch(self.dataDirectory.deletingLastPathComponent()) {
            // Root's own folders (say /root) are closed to the cluster's user. The cluster then
            // lives in a folder that user can reach, and DIR/pg links to it.
            self.clusterDirectory = URL(fileURLWithPath: "/var/lib/prioritizer/clusters/\(digest)")
        } else {
            self.clusterDirectory = self.dataDirectory.appending(path: "pg")
        }
        if let binDirectory {
            self.binDirectory = binDirectory
        } else {
            self.binDirectory = try Self.locateBinaries()
        }
        self.port = port
        // Unix socket paths are limited to about 107 bytes: fall back to a short private folder.
        let preferred = clusterDirectory.appending(path: "run")
        if preferred.path.utf8.count + "/.s.PGSQL.\(port)".utf8.count < 100 {
            socketDirectory = preferred
        } else {
            socketDirectory = URL(fileURLWithPath: "/tmp/prioritizer-\(digest)")
        }
    }

    /// libpq connection string for the cluster's `prioritizer` database.
    public var conninfo: String {
        "host=\(Self.quoted(socketDirectory.path)) port=\(port) user=\(Self.superuserName) dbname=\(Self.databaseName)"
    }

    var maintenanceConninfo: String {
        "host=\(Self.quoted(socketDirectory.path)) port=\(port) user=\(Self.superuserName) dbname=postgres"
    }

    var pgData: URL { clusterDirectory.appending(path: "data") }
    var logFile: URL { clusterDirectory.appending(path: "server.log") }

    /// The newest PostgreSQL server binaries: `PRIORITIZER_PG_BINDIR`, Debian's
    /// `/usr/lib/postgresql/N/bin`, or `initdb` on the PATH.
    public static func locateBinaries(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        debianRoot: String = "/usr/lib/postgresql"
    ) throws(EmbeddedPostgresError) -> URL {
        let fileManager = FileManager.default
        func usable(_ folder: URL) -> Bool {
            ["initdb", "pg_ctl", "postgres"].allSatisfy { fileManager.isExecutableFile(atPath: folder.appending(path: $0).path) }
        }
        if let explicit = environment["PRIORITIZER_PG_BINDIR"], !explicit.isEmpty {
            let folder = URL(fileURLWithPath: explicit)
            guard usable(folder) else { throw .binariesNotFound("PRIORITIZER_PG_BINDIR=\(explicit) holds no initdb, pg_ctl and postgres") }
            return folder
        }
        let versions = (try? fileManager.contentsOfDirectory(atPath: debianRoot)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let folder = URL(fileURLWithPath: "\(debianRoot)/\(version)/bin")
            if usable(folder) { return folder }
        }
        for entry in (environment["PATH"] ?? "").split(separator: ":") {
            let folder = URL(fileURLWithPath: String(entry))
            if usable(folder) { return folder }
        }
        throw .binariesNotFound(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; install Debian's `postgresql` package "
                + "(apt-get install -y postgresql) or give a database with --database-url")
    }

    /// Whether the cluster is running now (e.g. started by a `serve` that is still up).
    public var isRunning: Bool {
        (try? runTool("pg_ctl", ["-D", pgData.path, "status"])) != nil
    }

    /// Creates the cluster the first time, starts it, and makes the `prioritizer` database.
    public func start() async throws {
        try prepareFolders()
        if !FileManager.default.fileExists(atPath: pgData.appending(path: "PG_VERSION").path) {
            try initialize()
        }
        try prepareSocketFolder()
        if !isRunning {
            do {
                try runTool("pg_ctl", ["-D", pgData.path, "-l", logFile.path, "-w", "-t", "60", "start"])
            } catch EmbeddedPostgresError.toolFailed(let tool, let status, let output) {
                // pg_ctl says only that the server stopped; why is in the server's log.
                throw EmbeddedPostgresError.toolFailed(tool, status: status, output: output + logTail())
            }
        }
        try await createDatabaseIfMissing()
    }

    /// The last lines of the server's log, introduced for an error message ("" when unreadable).
    private func logTail(lines: Int = 8) -> String {
        guard let log = try? String(contentsOf: logFile, encoding: .utf8) else { return "" }
        let last = log.split(whereSeparator: \.isNewline).suffix(lines)
        return last.isEmpty ? "" : "\n\(logFile.path) ends with:\n" + last.joined(separator: "\n")
    }

    /// Stops the cluster (fast shutdown: sessions end, committed data is safe).
    public func stop() throws {
        guard isRunning else { return }
        try runTool("pg_ctl", ["-D", pgData.path, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    // MARK: - Steps

    private func prepareFolders() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        if let systemUser {
            guard let owner = getpwnam(systemUser) else {
                throw EmbeddedPostgresError.noSystemUser(systemUser)
            }
            // DIR stays ours (it holds the admin token); the cluster user may only pass through it.
            chmod(dataDirectory.path, 0o711)
            try fileManager.createDirectory(at: clusterDirectory, withIntermediateDirectories: true)
            let link = dataDirectory.appending(path: "pg")
            if clusterDirectory != link && (try? fileManager.destinationOfSymbolicLink(atPath: link.path)) == nil {
                try fileManager.createSymbolicLink(at: link, withDestinationURL: clusterDirectory)
            }
            chown(clusterDirectory.path, owner.pointee.pw_uid, owner.pointee.pw_gid)
            chmod(clusterDirectory.path, 0o700)
            do {
                try runTool("test", ["-w", clusterDirectory.path], searchBinDirectory: false)
            } catch {
                throw EmbeddedPostgresError.unreachable(
                    "the \(systemUser) user cannot reach \(clusterDirectory.path): a parent folder is not searchable "
                        + "by others; choose --data-dir under a searchable folder (for example /var/lib/prioritizer)")
            }
        } else {
            try fileManager.createDirectory(at: clusterDirectory, withIntermediateDirectories: true)
            chmod(clusterDirectory.path, 0o700)
        }
    }

    private func prepareSocketFolder() throws {
        try FileManager.default.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if let systemUser, let owner = getpwnam(systemUser) {
            chown(socketDirectory.path, owner.pointee.pw_uid, owner.pointee.pw_gid)
        }
        chmod(socketDirectory.path, 0o700)
    }

    private func initialize() throws {
        try runTool("initdb", [
            "-D", pgData.path, "-U", Self.superuserName, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
        ])
        // Unix socket only, in a folder only the cluster's user (and root) can enter: `trust` is
        // then as safe as the folder's permissions.
        let settings = """

            # Prioritizer embedded cluster
            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory.path.replacingOccurrences(of: "'", with: "''"))'
            unix_socket_permissions = 0700
            port = \(port)
            logging_collector = off
            """
        let config = pgData.appending(path: "postgresql.conf")
        let handle = try FileHandle(forWritingTo: config)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
    }

    private func createDatabaseIfMissing() async throws {
        let connection = try await PQConnection.connect(maintenanceConninfo)
        defer { Task { await connection.close() } }
        let exists = try await connection.query(
            "SELECT count(*) FROM pg_database WHERE datname = \(Self.databaseName)")[0].decode(0, as: Int.self) > 0
        if !exists {
            try await connection.executeScript("CREATE DATABASE \(Self.databaseName)")
        }
    }

    /// Runs a PostgreSQL tool (as the cluster's user when we are root); throws with its output on failure.
    @discardableResult
    private func runTool(_ name: String, _ arguments: [String], searchBinDirectory: Bool = true) throws -> String {
        let tool = searchBinDirectory ? binDirectory.appending(path: name).path : "/usr/bin/env"
        let toolArguments = searchBinDirectory ? arguments : [name] + arguments
        let outcome: ChildProcess.Outcome
        if let systemUser {
            outcome = try ChildProcess.run("/usr/sbin/runuser", ["-u", systemUser, "--", tool] + toolArguments)
        } else {
            outcome = try ChildProcess.run(tool, toolArguments)
        }
        guard outcome.status == 0 else {
            throw EmbeddedPostgresError.toolFailed(name, status: outcome.status, output: outcome.output)
        }
        return outcome.output
    }

    /// Whether every folder from the root down to `folder` lets other users pass through.
    static func othersCanSearch(_ folder: URL) -> Bool {
        var path = folder.standardizedFileURL.path
        while true {
            var info = stat()
            if stat(path, &info) == 0 && info.st_mode & 0o001 == 0 { return false }
            if path == "/" || path.isEmpty { return true }
            path = (path as NSString).deletingLastPathComponent
        }
    }

    static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}

public enum EmbeddedPostgresError: Error, CustomStringConvertible, Sendable {
    case binariesNotFound(String)
    case noSystemUser(String)
    case unreachable(String)
    case toolFailed(String, status: Int32, output: String)

    public var description: String {
        switch self {
        case .binariesNotFound(let message): message
        case .noSystemUser(let user):
            "running as root, the embedded PostgreSQL needs the unprivileged system user '\(user)' "
                + "(Debian's postgresql package creates it)"
        case .unreachable(let message): message
        case .toolFailed(let tool, let status, let output):
            "\(tool) failed with status \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }
}
