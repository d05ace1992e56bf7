import FlowlogModel

/// How far `prune` has cut a store's two tiers: the raw flows (with lost events), and the
/// rollups that answer `drops` and reports (and, where the backend keeps one, connections) for
/// longer.
public struct RetentionState: Sendable, Equatable {
    /// Raw flows and lost events before this time were pruned (nil: never pruned).
    public var rawFlowsStart: Timestamp?
    /// The rollups answer from this time on (nil: never pruned). Never after ``rawFlowsStart``.
    public var rollupsStart: Timestamp?
    /// Whether connections (`replay`, a report's policy section) have a rollup too, not only
    /// drops (SQLite's hourly connection rollup; ClickHouse keeps a drops rollup only).
    public var keepsConnectionRollup: Bool

    public init(rawFlowsStart: Timestamp? = nil, rollupsStart: Timestamp? = nil, keepsConnectionRollup: Bool) {
        self.rawFlowsStart = rawFlowsStart
        self.rollupsStart = rollupsStart
        self.keepsConnectionRollup = keepsConnectionRollup
    }

    /// Whether the window `[since, until)` reaches into the time whose raw flows were pruned: it
    /// starts before the raw flows do, or (without a start) ends before they do.
    public func reachesPrunedPeriod(since: Timestamp?, until: Timestamp?) -> Bool {
        guard let raw = rawFlowsStart else { return false }
        if let since { return since < raw }
        if let until { return until <= raw }
        return false
    }

    /// Whether a flow at `time`, written now, is already counted by the kept rollups: its raw
    /// flows were pruned but the rollups of its time were kept (`prune --keep-rollups`). Storing
    /// it again would count it twice there, so the stores skip it as a duplicate. Where the
    /// rollups were pruned too, a flow written again is stored and counted afresh.
    public func rollupsAlreadyCount(_ time: Timestamp) -> Bool {
        guard let raw = rawFlowsStart, time < raw else { return false }
        return time >= (rollupsStart ?? raw)
    }
}

/// The two cuts of one prune: raw flows before ``raw``, rollups before ``rollups``.
public struct PruneCuts: Sendable, Equatable {
    public var raw: Timestamp
    /// At or before ``raw``.
    public var rollups: Timestamp

    /// Cuts with the rollups kept as long as the raw flows (what `prune --older-than` alone does).
    public init(raw: Timestamp) {
        self.raw = raw
        self.rollups = raw
    }

    /// Cuts with the rollups kept from `rollups` on; a rollup cut after `raw` is taken as `raw`.
    public init(raw: Timestamp, rollups: Timestamp) {
        self.raw = raw
        self.rollups = min(rollups, raw)
    }

    static let hourNanos: Int64 = 3_600_000_000_000

    /// Whether the rollups follow the raw flows exactly: one cut, at or after where raw flows
    /// started before this prune, so the hour around the cut can be recounted from the flows.
    /// Otherwise the rollups keep whole hours from the hour the rollup cut falls in.
    package func rollupsFollowFlows(previous: RetentionState) -> Bool {
        rollups == raw && previous.rawFlowsStart.map { raw >= $0 } ?? true
    }

    /// Where the rollups answer from after this prune: the raw cut when they follow the flows,
    /// else the start of the hour the rollup cut falls in; never before where they started already.
    package func rollupsStart(previous: RetentionState) -> Timestamp {
        let start = rollupsFollowFlows(previous: previous)
            ? raw
            : Timestamp.periodStart(index: rollups.rawValue.floorDiv(Self.hourNanos), unitNanos: Self.hourNanos) ?? .earliest
        return max(start, previous.rollupsStart ?? start)
    }

    /// The state after this prune.
    package func state(after previous: RetentionState) -> RetentionState {
        RetentionState(rawFlowsStart: max(raw, previous.rawFlowsStart ?? raw), rollupsStart: rollupsStart(previous: previous),
                       keepsConnectionRollup: previous.keepsConnectionRollup)
    }
}

/// A read of `query` fitted to what a pruned store still holds, and the one line to say about it.
public struct RetentionPlan: Sendable, Equatable {
    /// The query to run (its window edges inside the pruned period rounded to whole buckets).
    public var query: FlowQuery
    /// A note for standard error, or nil when the answer is the one asked for.
    public var note: String?
}

/// How a read answers over a pruned period.
public enum RetentionAnswer: Sendable, Equatable {
    /// From a rollup with buckets of this many nanoseconds (a minute for drops, an hour for connections).
    case rollup(bucketNanos: Int64)
    /// From raw flows only (a filter the rollup does not keep, `observe`, or no rollup at all).
    case rawFlows
}

extension RetentionState {
    /// Fits `query` to the pruned store. A read the rollups answer gets a window edge inside the
    /// pruned period rounded outwards to whole buckets; a read that needs the raw flows is left
    /// as it is, and answers the retained period only. Either says so when the window reaches
    /// into the pruned period.
    public func plan(_ query: FlowQuery, answer: RetentionAnswer) -> RetentionPlan {
        guard let raw = rawFlowsStart, reachesPrunedPeriod(since: query.since, until: query.until) else {
            return RetentionPlan(query: query, note: nil)
        }
        let rawText = raw.rfc3339(fractionDigits: 0)
        guard case .rollup(let bucket) = answer else {
            return RetentionPlan(query: query, note: "flowlog: note: flows before \(rawText) were pruned; only the retained period is answered")
        }
        var fitted = query
        var rounded = false
        if let since = query.since, since < raw, since.rawValue % bucket != 0 {
            fitted.since = Timestamp.periodStart(index: since.rawValue.floorDiv(bucket), unitNanos: bucket) ?? .earliest
            rounded = true
        }
        if let until = query.until, until < raw, until.rawValue % bucket != 0 {
            fitted.until = Timestamp.periodStart(index: until.rawValue.floorDiv(bucket) + 1, unitNanos: bucket) ?? until
            rounded = true
        }
        var parts: [String] = []
        if rounded {
            let unit = bucket == PruneCuts.hourNanos ? "hours" : bucket == 60_000_000_000 ? "minutes" : "buckets"
            parts.append("the window was widened to whole \(unit) (\(fitted.since?.rfc3339(fractionDigits: 0) ?? "start") to "
                         + "\(fitted.until?.rfc3339(fractionDigits: 0) ?? "now"))")
        }
        if let rollupsStart, (fitted.since ?? .earliest) < rollupsStart {
            parts.append("rollups start at \(rollupsStart.rfc3339(fractionDigits: 0))")
        }
        guard !parts.isEmpty else { return RetentionPlan(query: fitted, note: nil) }
        return RetentionPlan(query: fitted, note: "flowlog: note: flows before \(rawText) were pruned and that period is answered from "
                             + "rollups; " + parts.joined(separator: "; "))
    }
}

extension FlowQuery {
    /// How a drops read (`drops`, a report's drop sections) answers: from the drops rollup
    /// unless a filter needs the raw flows.
    public var dropsAnswer: RetentionAnswer {
        isServedByDropRollup && ports.isEmpty ? .rollup(bucketNanos: 60_000_000_000) : .rawFlows
    }
}
