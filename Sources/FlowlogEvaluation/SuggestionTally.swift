import FlowlogModel
import FlowlogStore
import FlowlogPolicy

/// A recorded peer of a workload, as `policy suggest` allows it.
enum SuggestionPeer: Hashable {
    /// A pod, by its workload: a `podSelector` (with a `namespaceSelector` across namespaces).
    case workload(WorkloadKey)
    /// An address outside the cluster: an `ipBlock` after aggregation.
    case address(IPAddress)
    /// The node the pod runs on: always allowed, no rule needed.
    case host
    /// Another node: an `ipBlock` of `--node-cidr`, else a comment.
    case remoteNode
    /// Anything else a NetworkPolicy cannot name (Cilium's `kube-apiserver`, `ingress`, `health`,
    /// a world endpoint without an address, …), by what it is.
    case unnamed(String)

    /// The peer of a connection's endpoint.
    init(_ endpoint: Endpoint, address: IPAddress?) {
        if let workload = WorkloadKey(endpoint: endpoint) {
            self = .workload(workload)
            return
        }
        switch endpoint.kind {
        case .world:
            if let address { self = .address(address) } else { self = .unnamed("world (no address recorded)") }
        case .host: self = .host
        case .remoteNode: self = .remoteNode
        case .pod: self = .unnamed("a pod without a valid namespace")
        default: self = .unnamed(endpoint.kind.reservedName ?? "unknown")
        }
    }
}

/// The recorded requests between a workload and one peer: how many, when, an example, and the
/// ports they used.
struct SuggestionTally {
    var flows: Int64 = 0
    var firstSeen = Timestamp.latest
    var lastSeen = Timestamp.earliest
    var largest: Int64 = -1
    var exampleSource = ""
    var exampleDestination = ""
    var ports: [PolicyProtocol: Set<UInt16>] = [:]
    /// Protocols recorded that have no ports (ICMPv4, …), which a NetworkPolicy cannot name.
    var portless: Set<String> = []

    mutating func add(_ connection: ConnectionCount, source: String, destination: String) {
        flows = flows.saturatingAdd(connection.count)
        firstSeen = min(firstSeen, connection.firstSeen)
        lastSeen = max(lastSeen, connection.lastSeen)
        if let proto = PolicyProtocol(connection.proto) {
            ports[proto, default: []].insert(connection.port)
        } else {
            portless.insert(connection.proto.jsonKey.isEmpty ? "protocol unknown" : connection.proto.jsonKey)
        }
        noteExample(count: connection.count, source: source, destination: destination)
    }

    mutating func merge(_ other: SuggestionTally) {
        flows = flows.saturatingAdd(other.flows)
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        for (proto, numbers) in other.ports { ports[proto, default: []].formUnion(numbers) }
        portless.formUnion(other.portless)
        noteExample(count: other.largest, source: other.exampleSource, destination: other.exampleDestination)
    }

    /// Keeps the example of the largest connection; ties go to the first in text order, so the
    /// output does not depend on the order the store returned rows in.
    private mutating func noteExample(count: Int64, source: String, destination: String) {
        if count > largest || (count == largest && (source, destination) < (exampleSource, exampleDestination)) {
            largest = count
            exampleSource = source
            exampleDestination = destination
        }
    }

    /// The rule's `ports`: merged ranges per protocol (TCP, UDP, SCTP); nil (every port) when a
    /// protocol without ports was recorded, since a NetworkPolicy can allow ICMP only that way.
    var portSpecs: [PortSpec]? {
        guard portless.isEmpty else { return nil }
        return PolicyProtocol.allCases.flatMap { proto in PortRanges.portSpecs(ports[proto] ?? [], proto: proto) }
    }

    func evidence(note: String? = nil) -> SuggestionEvidence {
        var notes: [String] = []
        if !portless.isEmpty {
            notes.append("\(portless.sorted().joined(separator: ", ")) recorded, which a NetworkPolicy cannot name: every port is allowed for this peer")
        }
        if let note { notes.append(note) }
        return SuggestionEvidence(flows: flows, firstSeen: firstSeen, lastSeen: lastSeen, exampleSource: exampleSource,
                                  exampleDestination: exampleDestination, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }
}

extension SuggestionTally {
    /// How an endpoint is named in evidence: `namespace/pod`, an address, or what it is.
    static func describe(_ endpoint: Endpoint, address: IPAddress?) -> String {
        switch endpoint.kind {
        case .pod:
            let namespace = endpoint.effectiveNamespace
            let name = endpoint.podName.isEmpty ? "{" + EndpointGrouping.labels.key(for: endpoint) + "}" : endpoint.podName
            return namespace.isEmpty ? name : "\(namespace)/\(name)"
        case .world:
            // An IPv6 address in brackets, so the port that follows it reads apart.
            return address.map { $0.isIPv6 ? "[\($0)]" : $0.description } ?? "world"
        default:
            let name = endpoint.kind.reservedName ?? "unknown"
            return address.map { "\(name) \($0)" } ?? name
        }
    }
}
