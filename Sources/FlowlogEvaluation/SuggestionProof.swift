import FlowlogModel
import FlowlogStore
import FlowlogPolicy

/// How much a policy set closes: source workload, destination workload and port combinations
/// that were never recorded as a FORWARDED request, judged by a policy set and by a baseline.
public struct ClosureCount: Sendable, Hashable {
    /// Workloads seen in recorded requests.
    public var workloads = 0
    /// Distinct protocol and port pairs recorded between pods.
    public var ports = 0
    /// Combinations between those workloads on those ports that were never recorded.
    public var neverRecorded = 0
    /// Of those, how many the policy set denies.
    public var denied = 0
    /// Denied by the policy set and allowed by the baseline: what the change closes.
    public var closedAgainstBaseline = 0
    /// Allowed by the policy set and denied by the baseline: what the change opens.
    public var openedAgainstBaseline = 0
    /// 1 when every combination was judged; N when there were too many and every Nth was (the
    /// counts above are of those judged).
    public var sampleStride = 1

    /// The share of never-recorded combinations the policy set denies (1 when there are none).
    public var deniedShare: Double { neverRecorded == 0 ? 1 : Double(denied) / Double(neverRecorded) }
}

/// The replay of the recorded traffic against a suggestion, which must break nothing.
public struct SuggestionProof: Sendable, Hashable {
    /// Every recorded connection of the window against the suggestion plus the policies already
    /// in force, by the evaluator `replay` uses.
    public var replay: ReplayReport
    /// Never-recorded combinations, against the policies already in force as the baseline.
    public var closure: ClosureCount

    /// Recorded FORWARDED requests the suggestion would deny, with the reason (must be none).
    public var breaks: [ReplayGroup] { replay.groups.filter { $0.outcome == .wouldBreak } }
}

/// Proves a suggestion against the traffic it was made from.
public enum SuggestionProver {
    /// Replays `connections` against `suggestion` together with the policies of `existing` (and
    /// its options), and counts the never-recorded combinations it closes.
    public static func prove(_ suggestion: PolicySuggestion, connections: [ConnectionCount],
                             existing: VerdictEvaluator) -> SuggestionProof {
        let proposed = combined(suggestion, with: existing)
        let replay = PolicyReplay.run(connections, evaluator: proposed)
        let closure = self.closure(connections, proposed: proposed, baseline: existing,
                                   namespaces: Set(suggestion.namespaces.map(\.namespace)))
        return SuggestionProof(replay: replay, closure: closure)
    }

    /// An evaluator for the suggestion together with the policies (and options) of `existing`.
    public static func combined(_ suggestion: PolicySuggestion, with existing: VerdictEvaluator) -> VerdictEvaluator {
        VerdictEvaluator(policies: existing.policies + suggestion.policies, ciliumPolicies: existing.ciliumPolicies,
                         options: existing.options)
    }

    /// Judges every combination of two different workloads seen in recorded requests and a
    /// protocol and port recorded between pods that was never recorded as a FORWARDED request,
    /// by `proposed` and by `baseline`. Each workload is represented by one of its pods (the
    /// first by name), as its policies select it by labels. With `namespaces`, only combinations
    /// with a side in one of them count (the others are not the suggestion's business).
    ///
    /// The combinations grow with the square of the workloads; past `budget` of them, every Nth
    /// (in a fixed order) is judged, so the proof stays fast on large clusters.
    public static func closure(_ connections: [ConnectionCount], proposed: VerdictEvaluator,
                               baseline: VerdictEvaluator, namespaces: Set<String>? = nil,
                               budget: Int = 50_000) -> ClosureCount {
        struct Combination: Hashable {
            var source: WorkloadKey, destination: WorkloadKey, proto: L4Protocol, port: UInt16
        }
        var representatives: [WorkloadKey: Endpoint] = [:]
        var recorded: Set<Combination> = []
        struct Port: Hashable { var proto: L4Protocol, port: UInt16 }
        var ports: Set<Port> = []
        var keys = EndpointMemo<WorkloadKey?>()
        func workload(_ endpoint: Endpoint) -> WorkloadKey? {
            let key = keys.value(for: endpoint, WorkloadKey.init(endpoint:))
            // The pod first by name: the same whichever endpoint value is seen first.
            if let key, representatives[key].map({ endpoint.podName < $0.podName }) ?? true { representatives[key] = endpoint }
            return key
        }
        for connection in connections where connection.isReply != true && connection.proto.hasPorts {
            guard let source = workload(connection.source), let destination = workload(connection.destination) else { continue }
            ports.insert(Port(proto: connection.proto, port: connection.port))
            if PolicySuggester.isRequest(connection) {
                recorded.insert(Combination(source: source, destination: destination, proto: connection.proto, port: connection.port))
            }
        }
        var count = ClosureCount()
        let workloads = representatives.keys.sorted()
        count.workloads = workloads.count
        count.ports = ports.count
        let portList = ports.sorted { ($0.proto.rawValue, $0.port) < ($1.proto.rawValue, $1.port) }
        let candidates = workloads.count * max(workloads.count - 1, 0) * portList.count
        count.sampleStride = max(1, (candidates + max(budget, 1) - 1) / max(budget, 1))
        var position = 0
        let subjects = representatives.mapValues { endpoint in
            (proposed: proposed.subject(endpoint, address: nil), baseline: baseline.subject(endpoint, address: nil))
        }
        for source in workloads {
            for destination in workloads where destination != source {
                if let namespaces, !namespaces.contains(source.namespace) && !namespaces.contains(destination.namespace) { continue }
                guard let from = subjects[source], let to = subjects[destination] else { continue }
                for entry in portList {
                    position += 1
                    guard count.sampleStride == 1 || position % count.sampleStride == 0 else { continue }
                    let combination = Combination(source: source, destination: destination, proto: entry.proto, port: entry.port)
                    guard !recorded.contains(combination) else { continue }
                    count.neverRecorded += 1
                    let now = proposed.evaluate(source: from.proposed, destination: to.proposed, proto: entry.proto, port: entry.port).decision
                    let before = baseline.evaluate(source: from.baseline, destination: to.baseline, proto: entry.proto, port: entry.port).decision
                    if now == .denied {
                        count.denied += 1
                        if before == .allowed { count.closedAgainstBaseline += 1 }
                    } else if now == .allowed && before == .denied {
                        count.openedAgainstBaseline += 1
                    }
                }
            }
        }
        return count
    }
}
