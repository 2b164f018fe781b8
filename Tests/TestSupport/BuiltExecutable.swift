import Foundation

/// Executables of this package, as built by `swift build --build-tests`: they sit next to the
/// test bundle in the build folder.
public enum BuiltExecutable {
    public static func url(_ name: String) -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appending(path: name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return RepositoryFiles.url(".build/debug/\(name)")
    }
}
