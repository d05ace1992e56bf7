import FlowlogModel

/// What `prune` removed.
public struct PruneResult: Sendable, Equatable {
    public var flows: Int64 = 0
    public var lostEvents: Int64 = 0
    public var endpoints: Int64 = 0
    public var labelSets: Int64 = 0
    public var strings: Int64 = 0

    public init() {}
}

/// The window one `report --window last-report` run claimed: `[since, until)`.
public struct ReportWindowClaim: Sendable, Equatable {
    public var name: String
    public var since: Timestamp
    public var until: Timestamp
    /// The marker before this claim (nil for the first report of this name).
    public var previousEnd: Timestamp?

    public init(name: String, since: Timestamp, until: Timestamp, previousEnd: Timestamp?) {
        self.name = name
        self.since = since
        self.until = until
        self.previousEnd = previousEnd
    }

    /// Whether another run's claim already reached `until`, so this window covers no time.
    public var isEmpty: Bool { since >= until }
}

