import Foundation

/// On an embedded database's first start: the organization `default` with an admin agent, whose
/// token is printed once and kept in `DIR/admin-token` (mode 0600) for the operator.
public enum DefaultOrganization {
    public static let name = "default"

    /// Returns the new admin token when this call created the organization, nil when it existed.
    public static func ensure(service: any ResourceService, dataDirectory: URL) async throws -> String? {
        if try await service.organization(named: name) != nil { return nil }
        let (_, admin) = try await service.createOrganization(name: name)
        let file = dataDirectory.appending(path: "admin-token")
        let created = FileManager.default.createFile(
            atPath: file.path, contents: Data((admin.token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
        return admin.token
    }
}
