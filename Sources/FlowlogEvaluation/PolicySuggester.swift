import FlowlogModel
import FlowlogStore
import FlowlogPolicy

/// Writes least-privilege NetworkPolicies from recorded traffic: per namespace a default deny
/// for both directions, an egress allow to the DNS pods seen answering, and per workload an
/// ingress and an egress policy listing the peers and ports its recorded FORWARDED requests used.
///
/// Only requests make rules: a reply (Hubble's `is_reply`) follows its connection, which
/// NetworkPolicies allow statefully. Pure and deterministic: the same connections give the same
/// policies, whatever order the store returned them in.
public enum PolicySuggester {
    /// Suggests policies for the namespaces of `options` from `connections` (as the store's
    /// connection aggregate returns them: requests, replies and drops, each with counts and
    /// first/last seen).
    public static func suggest(_ connections: [ConnectionCount], options: SuggestionOptions = SuggestionOptions()) -> PolicySuggestion {
        var collector = Collector(options: options)
        collector.findDNSServers(connections)
        for connection in connections where isRequest(connection) { collector.add(connection) }
        return collector.suggestion()
    }

    /// A recorded FORWARDED (or proxy-redirected) flow that is not a reply, as replay counts it.
    static func isRequest(_ connection: ConnectionCount) -> Bool {
        (connection.verdict == .forwarded || connection.verdict == .redirected) && connection.isReply != true
    }

    /// Whether a connection is a DNS exchange (UDP or TCP port 53).
    static func isDNS(proto: L4Protocol, port: UInt16) -> Bool { port == 53 && (proto == .udp || proto == .tcp) }

    // MARK: - Gathering

    struct Collector {
        let options: SuggestionOptions
        var dnsServers: Set<WorkloadKey> = []
        var egress: [WorkloadKey: [SuggestionPeer: SuggestionTally]] = [:]
        var ingress: [WorkloadKey: [SuggestionPeer: SuggestionTally]] = [:]
        /// DNS queries to the servers, by the client's namespace and the server.
        var dns: [String: [WorkloadKey: SuggestionTally]] = [:]
        var namespacesWithRequests: Set<String> = []
        /// The owning workload's name of some pod of each workload, to name it when its labels do not.
        var ownerNames: [WorkloadKey: String] = [:]
        var requestFlows: Int64 = 0
        private var keys = EndpointMemo<WorkloadKey?>()

        init(options: SuggestionOptions) { self.options = options }

        func isSelected(_ namespace: String) -> Bool { options.namespaces.isEmpty || options.namespaces.contains(namespace) }

        /// The workload of an endpoint, computed once per stored endpoint value.
        mutating func workload(_ endpoint: Endpoint) -> WorkloadKey? {
            let key = keys.value(for: endpoint, WorkloadKey.init(endpoint:))
            // The alphabetically first owner: the same whichever endpoint value is seen first.
            if let key, let owner = endpoint.workloads.first?.name, owner < (ownerNames[key] ?? "\u{10FFFF}") {
                ownerNames[key] = owner
            }
            return key
        }

        /// The DNS pods seen answering: sources of FORWARDED replies from UDP or TCP port 53.
        mutating func findDNSServers(_ connections: [ConnectionCount]) {
            for connection in connections where connection.isReply == true
                && (connection.verdict == .forwarded || connection.verdict == .redirected)
                && PolicySuggester.isDNS(proto: connection.proto, port: connection.port) {
                if let server = workload(connection.source) { dnsServers.insert(server) }
            }
        }

        mutating func add(_ connection: ConnectionCount) {
            requestFlows = requestFlows.saturatingAdd(connection.count)
            let source = workload(connection.source)
            let destination = workload(connection.destination)
            if let source { namespacesWithRequests.insert(source.namespace) }
            if let destination { namespacesWithRequests.insert(destination.namespace) }
            let sourceText = SuggestionTally.describe(connection.source, address: connection.sourceIP)
            let portText = connection.proto.hasPorts ? ":\(connection.port)/\(connection.proto.jsonKey)" : " (\(connection.proto.jsonKey))"
            let destinationText = SuggestionTally.describe(connection.destination, address: connection.destinationIP) + portText
            if let source, isSelected(source.namespace) {
                if let destination, dnsServers.contains(destination), PolicySuggester.isDNS(proto: connection.proto, port: connection.port) {
                    dns[source.namespace, default: [:]][destination, default: SuggestionTally()]
                        .add(connection, source: sourceText, destination: destinationText)
                } else {
                    egress[source, default: [:]][SuggestionPeer(connection.destination, address: connection.destinationIP), default: SuggestionTally()]
                        .add(connection, source: sourceText, destination: destinationText)
                }
            }
            if let destination, isSelected(destination.namespace) {
                ingress[destination, default: [:]][SuggestionPeer(connection.source, address: connection.sourceIP), default: SuggestionTally()]
                    .add(connection, source: sourceText, destination: destinationText)
            }
        }

        // MARK: - Policies

        func suggestion() -> PolicySuggestion {
            let wanted = options.namespaces.isEmpty ? namespacesWithRequests.sorted() : Array(Set(options.namespaces)).sorted()
            var namespaces: [NamespaceSuggestion] = []
            var without: [String] = []
            for namespace in wanted {
                guard namespacesWithRequests.contains(namespace) else {
                    without.append(namespace)
                    continue
                }
                namespaces.append(NamespaceSuggestion(namespace: namespace, policies: policies(for: namespace)))
            }
            return PolicySuggestion(namespaces: namespaces, namespacesWithoutTraffic: without,
                                    dnsServers: dnsServers.sorted().map(\.description), requestFlows: requestFlows)
        }

        /// Every workload seen (whatever its namespace), for ``WorkloadKey/exclusions(among:)``.
        var knownWorkloads: Set<WorkloadKey> { Set(keys.values.compactMap { $0 }) }

        func policies(for namespace: String) -> [SuggestedPolicy] {
            let known = knownWorkloads
            let exclusions = { (workload: WorkloadKey) in workload.exclusions(among: known) }
            var policies = [SuggestedPolicy(
                policy: NetworkPolicy(name: "default-deny", namespace: namespace, podSelector: LabelSelector(),
                                      policyTypes: [.ingress, .egress]),
                summary: "every pod of \(namespace): no traffic in either direction unless a policy below allows it")]
            if let allowDNS = allowDNS(namespace, exclusions: exclusions) { policies.append(allowDNS) }
            let workloads = Set(egress.keys).union(ingress.keys).filter { $0.namespace == namespace }.sorted()
            var usedNames: Set<String> = ["default-deny", "allow-dns"]
            for workload in workloads {
                let base = workload.baseName(fallback: ownerNames[workload])
                var name = base
                var number = 2
                while usedNames.contains(name) || usedNames.contains("\(name)-ingress") {
                    name = "\(base)-\(number)"
                    number += 1
                }
                usedNames.formUnion([name, "\(name)-ingress", "\(name)-egress"])
                for direction in [PolicyType.ingress, .egress] {
                    let peers = (direction == .ingress ? ingress : egress)[workload] ?? [:]
                    guard !peers.isEmpty else { continue }
                    let built = PolicySuggester.rules(peers, policyNamespace: namespace, direction: direction, nodeCIDRs: options.nodeCIDRs,
                                                      maxPrefixV4: options.maxPrefixV4, maxPrefixV6: options.maxPrefixV6,
                                                      exclusions: exclusions)
                    let side = direction == .ingress ? "ingress" : "egress"
                    var policy = NetworkPolicy(name: "\(name)-\(side)", namespace: namespace, podSelector: workload.selector(excluding: exclusions(workload)),
                                               policyTypes: [direction])
                    if direction == .ingress { policy.ingress = built.rules } else { policy.egress = built.rules }
                    var notes = built.notes
                    if workload.labels.isEmpty {
                        let absent = exclusions(workload)
                        notes.insert("its pods carry no label a selector can name, so this policy selects every pod of \(namespace)"
                            + (absent.isEmpty ? "" : " without a label of its other recorded workloads (\(absent.joined(separator: ", ")))"), at: 0)
                    }
                    policies.append(SuggestedPolicy(
                        policy: policy, summary: "\(side) of \(workload.description): the peers its recorded requests used",
                        ingressEvidence: direction == .ingress ? built.evidence : [],
                        egressEvidence: direction == .egress ? built.evidence : [], notes: notes))
                }
            }
            return policies
        }

        /// Egress from every pod of the namespace to the DNS pods seen answering, on UDP and TCP 53.
        func allowDNS(_ namespace: String, exclusions: (WorkloadKey) -> [String]) -> SuggestedPolicy? {
            guard !dnsServers.isEmpty else { return nil }
            var rules: [PolicyRule] = []
            var evidence: [SuggestionEvidence] = []
            let queries = dns[namespace] ?? [:]
            for server in dnsServers.sorted() {
                rules.append(PolicyRule(peers: [server.peer(from: namespace, excluding: exclusions(server))],
                                        ports: [PortSpec(proto: .udp, port: .number(53)), PortSpec(proto: .tcp, port: .number(53))]))
                if let tally = queries[server] {
                    evidence.append(tally.evidence(note: server.wideningNote))
                } else {
                    evidence.append(SuggestionEvidence(flows: 0, firstSeen: .earliest, lastSeen: .earliest, exampleSource: "",
                                                       exampleDestination: "",
                                                       note: "no query from \(namespace) recorded; seen answering other namespaces"))
                }
            }
            return SuggestedPolicy(
                policy: NetworkPolicy(name: "allow-dns", namespace: namespace, podSelector: LabelSelector(),
                                      policyTypes: [.egress], egress: rules),
                summary: "egress from every pod of \(namespace) to the DNS pods seen answering, UDP and TCP 53",
                egressEvidence: evidence)
        }
    }
}
