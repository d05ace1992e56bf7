import FlowlogModel
import FlowlogStore
import FlowlogPolicy

extension PolicySuggester {
    /// The rules of one workload's ingress or egress policy, one per peer: workloads first (by
    /// namespace and labels), then outside addresses aggregated into CIDRs, then other nodes
    /// (with `--node-cidr`). Peers a NetworkPolicy cannot name become notes.
    /// - Parameter exclusions: the keys a workload's selector must require absent (see
    ///   ``WorkloadKey/exclusions(among:)``).
    static func rules(_ peers: [SuggestionPeer: SuggestionTally], policyNamespace: String, direction: PolicyType,
                      nodeCIDRs: [CIDR], maxPrefixV4: Int, maxPrefixV6: Int, exclusions: (WorkloadKey) -> [String] = { _ in [] })
        -> (rules: [PolicyRule], evidence: [SuggestionEvidence], notes: [String]) {
        var rules: [PolicyRule] = []
        var evidence: [SuggestionEvidence] = []
        var notes: [String] = []
        let preposition = direction == .ingress ? "from" : "to"

        var workloads: [(WorkloadKey, SuggestionTally)] = []
        var addresses: [IPAddress: SuggestionTally] = [:]
        var unnamed: [(String, SuggestionTally)] = []
        var remoteNode: SuggestionTally?
        for (peer, tally) in peers {
            switch peer {
            case .workload(let key): workloads.append((key, tally))
            case .address(let address): addresses[address] = tally
            case .host: unnamed.append(("host", tally))
            case .remoteNode: remoteNode = tally
            case .unnamed(let name): unnamed.append((name, tally))
            }
        }

        for (key, tally) in workloads.sorted(by: { $0.0 < $1.0 }) {
            rules.append(PolicyRule(peers: [key.peer(from: policyNamespace, excluding: exclusions(key))], ports: tally.portSpecs))
            evidence.append(tally.evidence(note: key.wideningNote))
        }

        // Outside addresses: grouped by the ports recorded for each (an address is never allowed
        // a port only its neighbour used), each group aggregated into covering CIDRs; one rule
        // per CIDR, with the ports of its group.
        var byPorts: [[PortSpec]?: [IPAddress]] = [:]
        for (address, tally) in addresses { byPorts[tally.portSpecs, default: []].append(address) }
        var blocks: [(cidr: CIDR, tally: SuggestionTally, count: Int)] = []
        for members in byPorts.values {
            for cidr in CIDRAggregation.aggregate(members, maxPrefixV4: maxPrefixV4, maxPrefixV6: maxPrefixV6) {
                var merged = SuggestionTally()
                var count = 0
                for address in members where cidr.contains(address) {
                    if let tally = addresses[address] { merged.merge(tally) }
                    count += 1
                }
                blocks.append((cidr, merged, count))
            }
        }
        blocks.sort { lhs, rhs in
            if lhs.cidr != rhs.cidr { return CIDRAggregation.isOrderedBefore(lhs.cidr, rhs.cidr) }
            return String(describing: lhs.tally.portSpecs) < String(describing: rhs.tally.portSpecs)
        }
        for block in blocks {
            rules.append(PolicyRule(peers: [.ipBlock(IPBlock(cidr: block.cidr))], ports: block.tally.portSpecs))
            evidence.append(block.tally.evidence(note: block.count > 1 ? "\(block.count) addresses recorded in this range" : nil))
        }

        if let remoteNode {
            if nodeCIDRs.isEmpty {
                notes.append("\(preposition) other nodes (remote-node): \(summary(remoteNode)); a NetworkPolicy cannot name nodes, "
                    + "so nothing allows this; give their addresses with --node-cidr to allow them as an ipBlock")
            } else {
                rules.append(PolicyRule(peers: nodeCIDRs.map { .ipBlock(IPBlock(cidr: $0)) }, ports: remoteNode.portSpecs))
                evidence.append(remoteNode.evidence(note: "other nodes (remote-node), by --node-cidr"))
            }
        }
        for (name, tally) in unnamed.sorted(by: { $0.0 < $1.0 }) {
            let why = name == "host"
                ? "traffic between a pod and its own node is always allowed, no rule needed"
                : "a NetworkPolicy cannot name it, so nothing allows this"
            notes.append("\(preposition) \(name): \(summary(tally)); \(why)")
        }
        return (rules, evidence, notes)
    }

    /// `N flows, first – last, e.g. source → destination`.
    static func summary(_ tally: SuggestionTally) -> String {
        "\(tally.flows) \(tally.flows == 1 ? "flow" : "flows"), \(tally.firstSeen.rfc3339(fractionDigits: 0)) – "
            + "\(tally.lastSeen.rfc3339(fractionDigits: 0)), e.g. \(tally.exampleSource) → \(tally.exampleDestination)"
    }
}
