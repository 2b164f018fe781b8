#if canImport(CJemalloc)
import CJemalloc
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The memory allocator the process runs on.
///
/// On Linux the binary links jemalloc, whose `malloc` then serves the whole process (Swift's
/// runtime, NIO, libpq) in place of glibc's. Why: a server that has run a while holds a large,
/// long-lived heap (an organization's relation graph at its 400,000 bound, interned paths, loaded
/// sessions) while every request allocates and frees small objects. There glibc's allocator took
/// about a tenth of the server's CPU in `_int_malloc` and `malloc_consolidate` (a `perf` profile
/// of TRACKs pipelined 32 deep over 1,000 paths, after 800,000 over 100,000 paths), against 2% on
/// a fresh server. In that grown state, alternated three times on fresh databases, the server's
/// CPU per TRACK fell from 25.6 to 19.9 µs at 1,000 paths and from 29.3 to 24.8 µs at 100,000.
/// A fresh server measured the same within the noise, pipelined or not; RSS with 1,000 sessions
/// of 1,000 resources was 273 MB against 260 MB. See docs/performance.md, "Session 14".
enum Allocator {
    /// What serves `malloc`, logged at start-up so a build that lost the link shows:
    /// "jemalloc 5.3.0-…", or "system" (and why, when jemalloc is linked yet not serving).
    static var description: String {
        guard let version = jemallocVersion else { return "system" }
        return mallocIsJemalloc ? "jemalloc \(version)" : "system (jemalloc \(version) linked, but malloc is another's)"
    }

    /// Whether the `malloc` every call in the process binds to is the linked jemalloc's.
    private static var mallocIsJemalloc: Bool {
        #if canImport(Glibc)
        // A null handle is RTLD_DEFAULT: the process's global lookup.
        guard let bound = dlsym(nil, "malloc"),
              let library = dlopen("libjemalloc.so.2", RTLD_NOLOAD | RTLD_LAZY) else { return false }
        defer { dlclose(library) }
        return dlsym(library, "malloc") == bound
        #else
        return false
        #endif
    }

    /// The linked jemalloc's version, or nil without it. Also what keeps the library linked: the
    /// linker drops a library none of whose symbols the binary names (`--as-needed`), and this is
    /// the one the binary names.
    private static var jemallocVersion: String? {
        #if canImport(CJemalloc)
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return nil }
        return String(cString: version)
        #else
        return nil
        #endif
    }
}
