/// How often a resource was accessed, per access type. Four stored counts rather than an array or
/// dictionary: no heap allocation per resource, which matters at tens of thousands of resources
/// per session.
public struct AccessCounts: Hashable, Sendable {
    public private(set) var view = 0
    public private(set) var edit = 0
    public private(set) var execute = 0
    public private(set) var reference = 0

    public init() {}

    /// Counts as persisted (a session reloaded from the database).
    public init(view: Int, edit: Int, execute: Int, reference: Int) {
        self.view = view
        self.edit = edit
        self.execute = execute
        self.reference = reference
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
        case .view: view += 1
        case .edit: edit += 1
        case .execute: execute += 1
        case .reference: reference += 1
        }
    }
}

extension AccessCounts {
    /// Session-wide sums of per-resource counts (for reports).
    public struct Totals: Hashable, Sendable {
        private var counts = AccessCounts()
        public init() {}
        public mutating func add(_ other: AccessCounts) {
            counts.view += other.view
            counts.edit += other.edit
            counts.execute += other.execute
            counts.reference += other.reference
        }
        public subscript(access: AccessType) -> Int { counts[access] }
    }
}
