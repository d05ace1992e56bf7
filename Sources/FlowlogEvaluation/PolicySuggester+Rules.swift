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

        // Outside addresses: one rule per covering CIDR, with the ports of the addresses it holds.
        let cidrs = CIDRAggregation.aggregate(Array(addresses.keys), maxPrefixV4: maxPrefixV4, maxPrefixV6: maxPrefixV6)
        for cidr in cidrs {
            var merged = SuggestionTally()
            var count = 0
            for (address, tally) in addresses where cidr.contains(address) {
                merged.merge(tally)
                count += 1
            }
            rules.append(PolicyRule(peers: [.ipBlock(IPBlock(cidr: cidr))], ports: merged.portSpecs))
            evidence.append(merged.evidence(note: count > 1 ? "\(count) addresses recorded in this range" : nil))
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
