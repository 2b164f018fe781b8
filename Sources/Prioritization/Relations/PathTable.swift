/// The paths of one organization's co-access graph as dense integers, so that learning a relation
/// compares and hashes integers instead of path strings (a TRACK updates up to 16 relations).
///
/// Ids are never reused or taken back: the graph already keeps every path's token count for as
/// long as it lives, so the table grows with the same distinct paths and adds no new bound.
struct PathTable: Sendable {
    private var ids: [String: UInt32] = [:]
    private(set) var paths: [String] = []

    var count: Int { paths.count }

    /// The id of `path`, given a new one the first time.
    mutating func intern(_ path: String) -> UInt32 {
        if let id = ids[path] { return id }
        precondition(paths.count < Int(UInt32.max), "more than 2^32 - 1 paths in one graph")
        let id = UInt32(paths.count)
        ids[path] = id
        paths.append(path)
        return id
    }

    /// The id of `path` if it was ever interned.
    func id(of path: String) -> UInt32? { ids[path] }

    subscript(id: UInt32) -> String { paths[Int(id)] }
}
