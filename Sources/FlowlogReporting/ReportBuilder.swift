import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Computes a ``PeriodicReport`` from a store: every number comes from the rollups (plus the
/// flows at the window's partial edges), so a daily report over millions of flows stays fast.
public enum ReportBuilder {
    /// - Parameters:
    ///   - window: the time covered.
    ///   - namespaces: limit to flows with either side in one of these namespaces (empty: all).
    ///   - top: how many drop pairs to list.
    ///   - evaluator: with a policy set, the window's flows are also replayed against it.
    /// - Throws: the store's errors; `StoreError` of kind `.outOfRange` when stored counts
    ///   overflow 64 bits when added up.
    public static func build(store: any FlowStore, window: ReportWindow, namespaces: [String] = [], top: Int = 10,
                             evaluator: VerdictEvaluator? = nil, generatedAt: Timestamp) throws -> PeriodicReport {
        var query = FlowQuery()
        query.either.namespaces = namespaces
        query.since = window.since
        query.until = window.until

        let connections = try store.connectionCounts(matching: query, withPodAddresses: evaluator?.options.ipBlockMatchesPodIPs ?? false)
        let drops = try store.dropCounts(matching: query)
        var totals = ReportTotals()
        for connection in connections {
            totals.flows = try sum(totals.flows, Int64(connection.count))
            if connection.verdict == .forwarded { totals.forwarded = try sum(totals.forwarded, Int64(connection.count)) }
        }
        totals.dropped = try drops.reduce(0) { try sum($0, $1.count) }
        totals.lost = try store.lostEventCount(since: window.since, until: window.until)

        let pairs = DropAggregator.report(drops, by: .labels)
        var before = query
        before.since = nil
        before.until = window.since
        let earlier = Set(DropAggregator.report(try store.dropCounts(matching: before), by: .labels).groups
            .map { PairKey(source: $0.source, destination: $0.destination) })
        let newPairs = pairs.groups.filter { !earlier.contains(PairKey(source: $0.source, destination: $0.destination)) }

        var byNamespace: [String: Int64] = [:]
        var byReason: [String: Int64] = [:]
        for drop in drops {
            let inside = drop.destination.kind.isPod ? drop.destination : drop.source
            let namespace = inside.effectiveNamespace.isEmpty ? (inside.kind.reservedName ?? "unknown")
                : inside.effectiveNamespace
            byNamespace[namespace] = try sum(byNamespace[namespace] ?? 0, drop.count)
            byReason[drop.reason.name] = try sum(byReason[drop.reason.name] ?? 0, drop.count)
        }

        let hours = try store.dropsPerHour(matching: query)
        let perHour = hourStarts(in: window).map { HourlyCount(hour: $0, count: hours[$0] ?? 0) }

        return PeriodicReport(
            window: window, generatedAt: generatedAt, namespaces: namespaces, totals: totals,
            topPairs: Array(pairs.groups.prefix(top)), newPairs: newPairs,
            dropsByNamespace: sortedCounts(byNamespace), dropsByReason: sortedCounts(byReason),
            dropsPerHour: perHour,
            replay: evaluator.map { PolicyReplay.run(connections, evaluator: $0) },
            workloadPairs: DropAggregator.report(drops, by: .workload).groups)
    }

    /// The most hours a report lists (400 days); a longer window lists its first 400 days.
    static let maximumHours = 24 * 400

    /// The start of every hour that overlaps `window` (the first clamped to
    /// ``Timestamp/earliest`` when the window starts in the first representable hour), at most
    /// ``maximumHours`` of them; the keys of ``FlowStore/dropsPerHour(matching:)``.
    ///
    /// Counted by hour number, not by adding an hour to a time: near 2262 the next hour's start
    /// does not fit in 64 bits, and near 1677 the first hour's start does not either.
    public static func hourStarts(in window: ReportWindow) -> [Timestamp] {
        let hourNanos: Int64 = 3_600_000_000_000
        guard window.since < window.until else { return [] }
        let first = window.since.rawValue.floorDiv(hourNanos)
        // `until` is exclusive and above `since`, so `until - 1` does not overflow.
        let last = (window.until.rawValue - 1).floorDiv(hourNanos)
        var starts: [Timestamp] = []
        var index = first
        while index <= last && starts.count < maximumHours {
            if let start = Timestamp.periodStart(index: index, unitNanos: hourNanos) { starts.append(start) }
            index += 1
        }
        return starts
    }

    /// `a + b` for counts from the store.
    private static func sum(_ a: Int64, _ b: Int64) throws(StoreError) -> Int64 {
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow else {
            throw StoreError(kind: .outOfRange, message: "flow counts in the database add up to more than 64 bits hold; the database is damaged")
        }
        return total
    }

    private struct PairKey: Hashable {
        var source: String
        var destination: String
    }

    /// Largest first, then by name.
    static func sortedCounts(_ counts: [String: Int64]) -> [NamedCount] {
        counts.map { NamedCount(name: $0.key, count: $0.value) }.sorted { ($1.count, $0.name) < ($0.count, $1.name) }
    }
}
