/// The accesses of one session within the relation window: what a new access co-occurs with.
///
/// Keeps each path once, at its latest access, and only those within `windowMilliseconds` of the
/// newest access seen (events may arrive out of order), at most `capacity` of them (the latest).
///
/// Holds the paths' ids in the graph it feeds (`CoAccessGraph.observe`), so the per-access scan
/// compares integers. The paths themselves are kept too, with their latest known token counts:
/// should the window meet another numbering (an organization's relations loaded anew, or its
/// paths compacted), it re-interns them there instead of relating unrelated ids, and hands on
/// the counts the graph has not kept.
public struct CoAccessWindow: Sendable {
    struct Entry: Sendable {
        var id: UInt32
        var path: String
        var at: Int64
        var tokens: Int?
    }

    private var recent: [Entry] = []
    private var newest = Int64.min
    /// The graph (`CoAccessGraph.identity`) whose ids `recent` holds; 0 before the first access.
    private var graph: UInt64 = 0

    public init() {}

    /// Makes the ids those of graph `identity`, re-interning the paths (with their token counts)
    /// if they were another's.
    mutating func bind(to identity: UInt64, intern: (String, Int?) -> UInt32) {
        guard graph != identity else { return }
        for index in recent.indices { recent[index].id = intern(recent[index].path, recent[index].tokens) }
        graph = identity
    }

    /// Records an access and appends to `partners` the other paths accessed within `window` ms
    /// of it, in the order the window holds them (the order relations are strengthened in).
    /// `tokens`: the path's latest known token count.
    mutating func observe(
        _ id: UInt32, path: String, tokens: Int?, at time: Int64, window: Int64, capacity: Int, partners: inout [UInt32]
    ) {
        var index: Int?
        for (i, entry) in recent.enumerated() {
            if entry.id == id {
                index = i
            } else if abs(entry.at &- time) <= window {
                partners.append(entry.id)
            }
        }
        if let index {
            recent[index].at = max(recent[index].at, time)
            if let tokens { recent[index].tokens = tokens }
        } else {
            recent.append(Entry(id: id, path: path, at: time, tokens: tokens))
        }
        newest = max(newest, time)
        let horizon = newest &- window
        recent.removeAll { $0.at < horizon }
        if recent.count > capacity {
            recent.sort { $0.at > $1.at }
            recent.removeLast(recent.count - capacity)
        }
    }
}
