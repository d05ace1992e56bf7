import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// The time a report covers: `[since, until)`.
public struct ReportWindow: Sendable, Hashable {
    public var since: Timestamp
    public var until: Timestamp

    public init(since: Timestamp, until: Timestamp) {
        self.since = since
        self.until = until
    }
}

/// Flow totals of a window.
public struct ReportTotals: Sendable, Hashable {
    /// Every stored flow record in the window.
    public var flows: Int64 = 0
    public var forwarded: Int64 = 0
    /// Drops, each dropped packet once (policy-verdict twins of drop events left out).
    public var dropped: Int64 = 0
    /// Events Hubble reported as lost in the window.
    public var lost: Int64 = 0

    /// Drops per hundred flows that were forwarded or dropped; 0 when there were none.
    public var dropRate: Double {
        // In Double: the two counts' Int64 sum could overflow.
        let base = Double(forwarded) + Double(dropped)
        return base == 0 ? 0 : Double(dropped) / base * 100
    }

    public init() {}
}

/// A count under a name: drops per namespace, per reason, per hour.
public struct NamedCount: Sendable, Hashable {
    public var name: String
    public var count: Int64

    public init(name: String, count: Int64) {
        self.name = name
        self.count = count
    }
}

/// Drops in one hour of the window.
public struct HourlyCount: Sendable, Hashable {
    public var hour: Timestamp
    public var count: Int64

    public init(hour: Timestamp, count: Int64) {
        self.hour = hour
        self.count = count
    }
}

/// The times of the first and last flow a store holds (both inclusive).
public struct StoredTimeRange: Sendable, Hashable {
    /// The time of the oldest stored flow.
    public var first: Timestamp
    /// The time of the newest stored flow.
    public var last: Timestamp

    public init(first: Timestamp, last: Timestamp) {
        self.first = first
        self.last = last
    }
}

/// Everything `flowlog report` prints, computed once; renderers only format it.
public struct PeriodicReport: Sendable {
    public var window: ReportWindow
    public var generatedAt: Timestamp
    /// The namespaces the report is limited to (either side); empty for all.
    public var namespaces: [String]
    public var totals: ReportTotals
    /// The largest drop pairs by labels.
    public var topPairs: [DropGroup]
    /// Drop pairs seen in the window and never before it.
    public var newPairs: [DropGroup]
    /// Drops by the namespace where they happened: the destination's, or the source's when the
    /// destination is outside the cluster.
    public var dropsByNamespace: [NamedCount]
    public var dropsByReason: [NamedCount]
    /// Every hour of the window, zero-filled.
    public var dropsPerHour: [HourlyCount]
    /// With `--policies`: the replay of the window's flows.
    public var replay: ReplayReport?
    /// The window's drops grouped by workload (`namespace/workload`, or the reserved name of an
    /// endpoint outside the cluster), largest first: the edges of the HTML report's drop graph.
    public var workloadPairs: [DropGroup]
    /// Set when the window holds no flow but the store does: where the stored flows are, so an
    /// empty report says where to look instead of only printing zeros.
    public var storedRange: StoredTimeRange?

    public init(window: ReportWindow, generatedAt: Timestamp, namespaces: [String], totals: ReportTotals,
                topPairs: [DropGroup], newPairs: [DropGroup], dropsByNamespace: [NamedCount], dropsByReason: [NamedCount],
                dropsPerHour: [HourlyCount], replay: ReplayReport?, workloadPairs: [DropGroup] = []) {
        self.window = window
        self.generatedAt = generatedAt
        self.namespaces = namespaces
        self.totals = totals
        self.topPairs = topPairs
        self.newPairs = newPairs
        self.dropsByNamespace = dropsByNamespace
        self.dropsByReason = dropsByReason
        self.dropsPerHour = dropsPerHour
        self.replay = replay
        self.workloadPairs = workloadPairs
    }
}
