import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// Remembers verdicts so that evaluating many flows costs little more than reading them.
///
/// The key is what the verdict depends on and nothing more: each side's label set and namespace,
/// the protocol and destination port, whether the flow is a reply, and whether both sides are
/// the same pod (a pod may always reach itself, while two replicas with one label set may not).
/// An endpoint outside the cluster adds its address, since every world address shares one
/// identity but `ipBlock` rules tell them apart; with `ipBlockMatchesPodIPs` every address counts,
/// and with named ports from `--pods` the pod name does too. Cilium rules read nothing else: their
/// selectors read the label set (with the namespace and kind it implies), entities the kind and
/// labels, CIDR rules and `world-ipv4`/`-ipv6` the address of an endpoint outside the cluster,
/// `icmps` rules the ICMP type (which is why the key holds it), and `toFQDNs` rules the DNS names
/// recorded for the destination (in the key only when some rule has `toFQDNs`).
///
/// Not thread-safe: one cache per thread.
public final class EvaluationCache {
    public let evaluator: VerdictEvaluator
    private var entries: [Key: Evaluation] = [:]
    private let limit: Int
    /// Lookups answered from the cache, for tests and statistics.
    public private(set) var hits = 0

    /// What is known of an endpoint, computed once per endpoint value: the endpoint itself (kept
    /// alive so its identity is not reused while cached), its subject without address, and the
    /// number of its label set.
    private struct Known {
        var endpoint: Endpoint
        var subject: PolicySubject
        var labelSet: Int
    }

    private var known: [ObjectIdentifier: Known] = [:]
    private var labelSets: [[String]: Int] = [:]

    struct Side: Hashable {
        var identity: UInt32
        /// The label set, numbered: equal numbers mean equal labels.
        var labelSet: Int
        var namespace: String
        var podName: String?
        /// What the endpoint is; its labels, identity and namespace nearly always decide it, but
        /// a pod name alone can too.
        var kind: EndpointKind
        /// Only for endpoints that need it (``EndpointKind/needsAddress``), or all with
        /// `ipBlockMatchesPodIPs`.
        var address: IPAddress?
    }

    struct Key: Hashable {
        var source: Side
        var destination: Side
        var proto: L4Protocol
        var port: UInt16
        /// The ICMP type of ICMP traffic, which Cilium's `icmps` rules read (0 otherwise).
        var icmpType: UInt8
        var isReply: Bool
        var samePod: Bool
        /// The destination's DNS names, when the evaluator reads them (else empty).
        var destinationNames: [String]
    }

    public init(evaluator: VerdictEvaluator, limit: Int = 200_000) {
        self.evaluator = evaluator
        self.limit = limit
    }

    /// The evaluator's verdict on `flow`, from the cache when an equivalent flow was seen.
    public func evaluate(_ flow: Flow) -> Evaluation {
        let source = knowledge(flow.source)
        let destination = knowledge(flow.destination)
        let key = Key(source: side(source, flow.sourceIP), destination: side(destination, flow.destinationIP),
                      proto: flow.l4.proto, port: flow.l4.destinationPort,
                      icmpType: VerdictEvaluator.icmpType(of: flow) ?? 0, isReply: flow.isReply == true,
                      samePod: !flow.source.podName.isEmpty && flow.source.podName == flow.destination.podName
                          && flow.source.effectiveNamespace == flow.destination.effectiveNamespace,
                      destinationNames: evaluator.readsDestinationNames ? flow.destinationNames : [])
        if let cached = entries[key] {
            hits += 1
            return cached
        }
        var sourceSubject = source.subject
        sourceSubject.address = flow.sourceIP
        sourceSubject.names = flow.sourceNames
        var destinationSubject = destination.subject
        destinationSubject.address = flow.destinationIP
        destinationSubject.names = flow.destinationNames
        let evaluation = evaluator.evaluate(source: sourceSubject, destination: destinationSubject, proto: flow.l4.proto,
                                            port: flow.l4.destinationPort, isReply: flow.isReply == true,
                                            icmpType: VerdictEvaluator.icmpType(of: flow))
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = evaluation
        return evaluation
    }

    private func knowledge(_ endpoint: Endpoint) -> Known {
        if let cached = known[endpoint.sharedIdentity] { return cached }
        if known.count >= limit {
            // Label-set numbers live as long as the entries that use them.
            known.removeAll(keepingCapacity: true)
            labelSets.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
        }
        let labelSet: Int
        if let number = labelSets[endpoint.labels] {
            labelSet = number
        } else {
            labelSet = labelSets.count
            labelSets[endpoint.labels] = labelSet
        }
        let entry = Known(endpoint: endpoint, subject: evaluator.subject(endpoint, address: nil), labelSet: labelSet)
        known[endpoint.sharedIdentity] = entry
        return entry
    }

    private func side(_ known: Known, _ address: IPAddress?) -> Side {
        let options = evaluator.options
        let endpoint = known.endpoint
        return Side(identity: endpoint.identity, labelSet: known.labelSet, namespace: endpoint.effectiveNamespace,
                    podName: options.namedPorts.isEmpty ? nil : endpoint.podName,
                    kind: endpoint.kind,
                    address: endpoint.kind.needsAddress || options.ipBlockMatchesPodIPs ? address : nil)
    }
}
