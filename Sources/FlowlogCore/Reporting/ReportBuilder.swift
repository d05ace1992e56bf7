/// Computes a ``PeriodicReport`` from a store: every number comes from the rollups (plus the
/// flows at the window's partial edges), so a daily report over millions of flows stays fast.
public enum ReportBuilder {
    /// - Parameters:
    ///   - window: the time covered.
    ///   - namespaces: limit to flows with either side in one of these namespaces (empty: all).
    ///   - top: how many drop pairs to list.
    ///   - evaluator: with a policy set, the window's flows are also replayed against it.
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
            totals.flows += connection.count
            if connection.verdict == .forwarded { totals.forwarded += connection.count }
        }
        totals.dropped = drops.reduce(0) { $0 + $1.count }
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
            byNamespace[namespace, default: 0] += drop.count
            byReason[drop.reason.name, default: 0] += drop.count
        }

        let hours = try store.dropsPerHour(matching: query)
        var perHour: [HourlyCount] = []
        let hourNanos: Int64 = 3_600_000_000_000
        var hour = window.since.rawValue.floorDiv(hourNanos) * hourNanos
        while hour < window.until.rawValue && perHour.count < 24 * 400 {
            perHour.append(HourlyCount(hour: Timestamp(rawValue: hour), count: hours[Timestamp(rawValue: hour)] ?? 0))
            hour += hourNanos
        }

        return PeriodicReport(
            window: window, generatedAt: generatedAt, namespaces: namespaces, totals: totals,
            topPairs: Array(pairs.groups.prefix(top)), newPairs: newPairs,
            dropsByNamespace: sortedCounts(byNamespace), dropsByReason: sortedCounts(byReason),
            dropsPerHour: perHour,
            replay: evaluator.map { PolicyReplay.run(connections, evaluator: $0) })
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
