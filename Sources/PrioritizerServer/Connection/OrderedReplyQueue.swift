import NIOCore

/// Replies of one connection, released strictly in request order.
///
/// Each request reserves a slot when it arrives; its reply may be filled in at any time (a
/// session on one runner may answer before a slower session on another), but `popReady`
/// releases replies only from the front, so the client reads them in the order it asked.
struct OrderedReplyQueue<Reply> {
    private var slots = CircularBuffer<Reply?>()
    private var firstSequence: UInt64 = 0

    /// Requests whose replies have not been released yet.
    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    /// A slot for the next request; its reply goes in with `fulfil`.
    mutating func reserve() -> UInt64 {
        slots.append(nil)
        return firstSequence + UInt64(slots.count - 1)
    }

    mutating func fulfil(_ sequence: UInt64, with reply: Reply) {
        precondition(sequence >= firstSequence && sequence - firstSequence < UInt64(slots.count), "unknown reply slot")
        slots[slots.index(slots.startIndex, offsetBy: Int(sequence - firstSequence))] = reply
    }

    /// The front reply, if it is ready.
    mutating func popReady() -> Reply? {
        guard let front = slots.first, let reply = front else { return nil }
        slots.removeFirst()
        firstSequence += 1
        return reply
    }

    /// Forgets every slot (the connection is closing); late replies must not be fulfilled.
    mutating func removeAll() {
        firstSequence += UInt64(slots.count)
        slots.removeAll()
    }

    func contains(_ sequence: UInt64) -> Bool {
        sequence >= firstSequence && sequence - firstSequence < UInt64(slots.count)
    }
}
