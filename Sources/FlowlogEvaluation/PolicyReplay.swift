import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// How a connection's recorded outcome compares with what a policy set decides.
public enum ReplayOutcome: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Recorded FORWARDED, denied by the policies.
    case wouldBreak = "would_break"
    /// Recorded DROPPED by policy, allowed by the policies.
    case wouldUnblock = "would_unblock"
    /// The policies cannot decide (a named port without `--pods`).
    case unknown
    case unchangedAllowed = "unchanged_allowed"
    case unchangedDenied = "unchanged_denied"

    public static func < (lhs: ReplayOutcome, rhs: ReplayOutcome) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Recorded flows of one source group, destination group, protocol and port with one outcome.
public struct ReplayGroup: Sendable, Hashable {
    public var outcome: ReplayOutcome
    public var source: String
    public var destination: String
    public var proto: L4Protocol
    public var port: UInt16
    public var count: Int64
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    /// Why the policies decide as they do, for the group's largest connection.
    public var explanation: String
}

/// The answer to `flowlog replay`.
public struct ReplayReport: Sendable, Hashable {
    public var groups: [ReplayGroup]
    /// Flow records per outcome.
    public var totals: [ReplayOutcome: Int64]
    /// Recorded flows that are neither forwarded nor dropped by policy (other drop reasons,
    /// policy-verdict twins of drops, errors), which a policy replay says nothing about.
    public var notComparable: Int64
    public var policyCount: Int

    public func total(_ outcome: ReplayOutcome) -> Int64 { totals[outcome] ?? 0 }

    /// Recorded FORWARDED flows, all of them.
    public var recordedForwarded: Int64 { total(.wouldBreak).saturatingAdd(total(.unchangedAllowed)).saturatingAdd(forwardedUnknown) }
    var forwardedUnknown: Int64 = 0

    /// Set when so much recorded FORWARDED traffic would be denied that the policies, if they are
    /// the ones applied, are probably not enforced (a CNI such as Flannel ignores NetworkPolicy).
    public var enforcementWarning: String? {
        let forwarded = recordedForwarded
        let broken = total(.wouldBreak)
        guard forwarded > 0, broken >= 10, broken * 5 >= forwarded else { return nil }
        let share = Double(broken) / Double(forwarded) * 100
        return "\(Int(share.rounded()))% of the recorded FORWARDED flows would be denied by these policies. "
            + "If these policies are already applied, they may not be enforced: a CNI such as Flannel ignores NetworkPolicy."
    }
}

/// Replays recorded connections against a policy set and compares with what was recorded.
public enum PolicyReplay {
    /// Evaluates each connection in its original direction (a reply is judged as the connection
    /// it belongs to), classifies it against its recorded outcome, and groups the result.
    public static func run(_ connections: [ConnectionCount], evaluator: VerdictEvaluator,
                           grouping: EndpointGrouping = .labels) -> ReplayReport {
        let cache = EvaluationCache(evaluator: evaluator)
        struct GroupKey: Hashable {
            var outcome: ReplayOutcome, source: String, destination: String, proto: L4Protocol, port: UInt16
        }
        // The explanation is built only for the group's largest connection, when the group is done.
        var groups: [GroupKey: (group: ReplayGroup, largest: Int64, evaluation: Evaluation)] = [:]
        var totals: [ReplayOutcome: Int64] = [:]
        var notComparable: Int64 = 0
        var forwardedUnknown: Int64 = 0
        // Group keys once per endpoint value (the store hands out one value per endpoint).
        var keys = EndpointMemo<String>()
        func key(_ endpoint: Endpoint) -> String { keys.value(for: endpoint, grouping.key(for:)) }

        for connection in connections {
            let recordedAllowed = connection.verdict == .forwarded || connection.verdict == .redirected
            let recordedPolicyDrop = Flow.countsAsDrop(verdict: connection.verdict,
                                                        isPolicyVerdictEvent: connection.isPolicyVerdictEvent)
                && (connection.reason == .policyDenied || connection.reason == .policyDeny)
            guard recordedAllowed || recordedPolicyDrop else {
                notComparable = notComparable.saturatingAdd(connection.count)
                continue
            }
            // A reply is judged as its connection: client → server on the service port.
            let reply = connection.isReply == true
            var flow = Flow()
            flow.source = reply ? connection.destination : connection.source
            flow.destination = reply ? connection.source : connection.destination
            flow.sourceIP = reply ? connection.destinationIP : connection.sourceIP
            flow.destinationIP = reply ? connection.sourceIP : connection.destinationIP
            flow.l4 = Layer4(proto: connection.proto, sourcePort: connection.proto.hasPorts ? 0 : connection.port,
                             destinationPort: connection.proto.hasPorts ? connection.port : 0)
            // The connection's names are its server side's, which is the destination here.
            flow.destinationNames = connection.names
            flow.isReply = false
            let evaluation = cache.evaluate(flow)
            let outcome: ReplayOutcome
            switch (evaluation.decision, recordedAllowed) {
            case (.unknown, let allowed):
                outcome = .unknown
                if allowed { forwardedUnknown = forwardedUnknown.saturatingAdd(connection.count) }
            case (.denied, true): outcome = .wouldBreak
            case (.allowed, false): outcome = .wouldUnblock
            case (.allowed, true): outcome = .unchangedAllowed
            case (.denied, false): outcome = .unchangedDenied
            }
            // Saturating, as in DropAggregator: only a damaged database holds counts that overflow.
            totals[outcome] = (totals[outcome] ?? 0).saturatingAdd(connection.count)
            let groupKey = GroupKey(outcome: outcome, source: key(flow.source), destination: key(flow.destination),
                                    proto: connection.proto, port: connection.port)
            if var existing = groups[groupKey] {
                existing.group.count = existing.group.count.saturatingAdd(connection.count)
                existing.group.firstSeen = min(existing.group.firstSeen, connection.firstSeen)
                existing.group.lastSeen = max(existing.group.lastSeen, connection.lastSeen)
                if connection.count > existing.largest || (connection.count == existing.largest
                    && evaluation != existing.evaluation && evaluation.explanation < existing.evaluation.explanation) {
                    existing.largest = connection.count
                    existing.evaluation = evaluation
                }
                groups[groupKey] = existing
            } else {
                groups[groupKey] = (ReplayGroup(outcome: outcome, source: groupKey.source, destination: groupKey.destination,
                                                proto: connection.proto, port: connection.port, count: connection.count,
                                                firstSeen: connection.firstSeen, lastSeen: connection.lastSeen,
                                                explanation: ""), connection.count, evaluation)
            }
        }
        let sorted = groups.values.map { entry in
            var group = entry.group
            group.explanation = entry.evaluation.explanation
            return group
        }.sorted {
            ($0.outcome, $1.count, $0.source, $0.destination, $0.proto.rawValue, $0.port)
                < ($1.outcome, $0.count, $1.source, $1.destination, $1.proto.rawValue, $1.port)
        }
        var report = ReplayReport(groups: sorted, totals: totals, notComparable: notComparable,
                                  policyCount: evaluator.policyCount)
        report.forwardedUnknown = forwardedUnknown
        return report
    }
}
