extension RandomAccessCollection {
    /// Calls `body` once per run of consecutive elements with equal `key`, with that key and the
    /// run's indices.
    ///
    /// A group commit's writes come in long runs of one session (a connection's pipelined
    /// requests, a busy agent): per-session bookkeeping done once per run instead of once per
    /// write spares a dictionary lookup, and so the hashing of a UUID, for nearly every write.
    /// Elements are read in place: a `lazy.map` over them would copy each one (retaining what it
    /// holds) to take its key.
    @inlinable
    public func forEachRun<Key: Equatable>(
        by key: (Element) throws -> Key, _ body: (Key, Range<Index>) throws -> Void
    ) rethrows {
        var start = startIndex
        while start != endIndex {
            let value = try key(self[start])
            var end = index(after: start)
            while end != endIndex, try key(self[end]) == value { end = index(after: end) }
            try body(value, start..<end)
            start = end
        }
    }
}
