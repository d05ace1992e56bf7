/// Remembers verdicts so that evaluating many flows costs little more than reading them.
///
/// The key is what the verdict depends on and nothing more: each side's label set and namespace,
/// the protocol and destination port, whether the flow is a reply, and whether both sides are
/// the same pod (a pod may always reach itself, while two replicas with one label set may not).
/// An endpoint outside the cluster adds its address, since every world address shares one
/// identity but `ipBlock` rules tell them apart; with `ipBlockMatchesPodIPs` every address counts,
/// and with named ports from `--pods` the pod name does too.
///
/// Not thread-safe: one cache per thread.
public final class EvaluationCache {
    public let evaluator: VerdictEvaluator
    private var entries: [Key: Evaluation] = [:]
    /// Subjects (without their address) by endpoint storage; the entry keeps the endpoint alive.
    private var subjects: [ObjectIdentifier: (endpoint: Endpoint, subject: PolicySubject)] = [:]
    private let limit: Int
    /// Lookups answered from the cache, for tests and statistics.
    public private(set) var hits = 0

    struct Side: Hashable {
        var identity: UInt32
        var labels: [String]
        var namespace: String
        var podName: String?
        var address: IPAddress?
    }

    struct Key: Hashable {
        var source: Side
        var destination: Side
        var proto: L4Protocol
        var port: UInt16
        var isReply: Bool
        var samePod: Bool
    }

    public init(evaluator: VerdictEvaluator, limit: Int = 200_000) {
        self.evaluator = evaluator
        self.limit = limit
    }

    /// The evaluator's verdict on `flow`, from the cache when an equivalent flow was seen.
    public func evaluate(_ flow: Flow) -> Evaluation {
        let key = Key(source: side(flow.source, flow.sourceIP), destination: side(flow.destination, flow.destinationIP),
                      proto: flow.l4.proto, port: flow.l4.destinationPort, isReply: flow.isReply == true,
                      samePod: !flow.source.podName.isEmpty && flow.source.podName == flow.destination.podName
                          && flow.source.effectiveNamespace == flow.destination.effectiveNamespace)
        if let cached = entries[key] {
            hits += 1
            return cached
        }
        var source = subject(flow.source)
        source.address = flow.sourceIP
        var destination = subject(flow.destination)
        destination.address = flow.destinationIP
        let evaluation = evaluator.evaluate(source: source, destination: destination, proto: flow.l4.proto,
                                            port: flow.l4.destinationPort, isReply: flow.isReply == true)
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = evaluation
        return evaluation
    }

    /// The endpoint as the rules see it, computed once per endpoint value.
    private func subject(_ endpoint: Endpoint) -> PolicySubject {
        if let cached = subjects[endpoint.sharedIdentity] { return cached.subject }
        let subject = evaluator.subject(endpoint, address: nil)
        if subjects.count >= limit { subjects.removeAll(keepingCapacity: true) }
        subjects[endpoint.sharedIdentity] = (endpoint, subject)
        return subject
    }

    private func side(_ endpoint: Endpoint, _ address: IPAddress?) -> Side {
        let options = evaluator.options
        return Side(identity: endpoint.identity, labels: endpoint.labels, namespace: endpoint.effectiveNamespace,
                    podName: options.namedPorts.isEmpty ? nil : endpoint.podName,
                    address: EvaluationCache.mayNotBePod(endpoint) || options.ipBlockMatchesPodIPs ? address : nil)
    }

    /// Only a pod's verdict is independent of its address. Anything that may not be a pod (no
    /// `k8s:` labels, or a reserved, CIDR or FQDN label) must be told apart by its address.
    static func mayNotBePod(_ endpoint: Endpoint) -> Bool {
        !endpoint.labels.contains { $0.hasPrefix("k8s:") } || endpoint.labels.contains {
            $0.hasPrefix("reserved:") || $0.hasPrefix("cidr:") || $0.hasPrefix("fqdn:") || $0.hasPrefix("cidrgroup:")
        }
    }
}
