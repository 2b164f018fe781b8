/// The accesses of one session within the relation window: what a new access co-occurs with.
///
/// Keeps each path once, at its latest access, and only those within `windowMilliseconds` of the
/// newest access seen (events may arrive out of order), at most `capacity` of them (the latest).
public struct CoAccessWindow: Sendable {
    private var recent: [(path: String, at: Int64)] = []
    private var newest = Int64.min

    public init() {}

    /// Records an access and returns the other paths accessed within `window` ms of it.
    public mutating func observe(_ path: String, at time: Int64, window: Int64, capacity: Int) -> [String] {
        var partners: [String] = []
        var index: Int?
        for (i, entry) in recent.enumerated() {
            if entry.path == path {
                index = i
            } else if abs(entry.at &- time) <= window {
                partners.append(entry.path)
            }
        }
        if let index {
            recent[index].at = max(recent[index].at, time)
        } else {
            recent.append((path, time))
        }
        newest = max(newest, time)
        let horizon = newest &- window
        recent.removeAll { $0.at < horizon }
        if recent.count > capacity {
            recent.sort { $0.at > $1.at }
            recent.removeLast(recent.count - capacity)
        }
        return partners
    }
}
