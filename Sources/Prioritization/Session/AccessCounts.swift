/// How often a resource was accessed, per access type. Four stored counts rather than an array or
/// dictionary: no heap allocation per resource, which matters at tens of thousands of resources
/// per session.
///
/// Each count is kept in 32 bits (a million resident resources hold four each: 16 MB less than
/// 64-bit counts) and saturates at `UInt32.max` (4,294,967,295) instead of wrapping: one resource
/// accessed four billion times in one session is already past any real workload, and a count
/// that stops rising is still the right order of magnitude. Counts given from outside are
/// clamped to `0...UInt32.max`.
public struct AccessCounts: Hashable, Sendable {
    private var views: UInt32 = 0
    private var edits: UInt32 = 0
    private var executions: UInt32 = 0
    private var references: UInt32 = 0

    /// The largest count kept; `record` stops there.
    public static let maximum = Int(UInt32.max)

    public var view: Int { Int(views) }
    public var edit: Int { Int(edits) }
    public var execute: Int { Int(executions) }
    public var reference: Int { Int(references) }
    /// All four summed (cannot overflow `Int`: at most 4 × `maximum`).
    public var total: Int { view + edit + execute + reference }

    public init() {}

    /// Counts as persisted (a session reloaded from the database).
    public init(view: Int, edit: Int, execute: Int, reference: Int) {
        views = UInt32(clamping: view)
        edits = UInt32(clamping: edit)
        executions = UInt32(clamping: execute)
        references = UInt32(clamping: reference)
    }

    public subscript(access: AccessType) -> Int {
        switch access {
        case .view: view
        case .edit: edit
        case .execute: execute
        case .reference: reference
        }
    }

    public mutating func record(_ access: AccessType) {
        switch access {
        case .view: Self.increment(&views)
        case .edit: Self.increment(&edits)
        case .execute: Self.increment(&executions)
        case .reference: Self.increment(&references)
        }
    }

    private static func increment(_ count: inout UInt32) {
        if count < .max { count += 1 }
    }
}

extension AccessCounts {
    /// Session-wide sums of per-resource counts (for reports): 64-bit, as sums over many
    /// resources may pass what one resource's count holds.
    public struct Totals: Hashable, Sendable {
        private var view = 0
        private var edit = 0
        private var execute = 0
        private var reference = 0
        public init() {}
        public mutating func add(_ other: AccessCounts) {
            view += other.view
            edit += other.edit
            execute += other.execute
            reference += other.reference
        }
        public subscript(access: AccessType) -> Int {
            switch access {
            case .view: view
            case .edit: edit
            case .execute: execute
            case .reference: reference
            }
        }
    }
}
