import FlowlogModel

extension CiliumPolicyDecoder {
    // MARK: - Peer rules

    /// The fields each kind of rule list accepts, and the ones flowlog cannot evaluate.
    private static func fields(for key: String) -> (peers: [String], unsupported: [String], fqdns: Bool, l7: Bool) {
        switch key {
        case "ingress":
            return (["fromEndpoints", "fromEntities", "fromCIDR", "fromCIDRSet"],
                    ["fromRequires", "fromGroups", "fromNodes", "authentication"], false, true)
        case "ingressDeny":
            return (["fromEndpoints", "fromEntities", "fromCIDR", "fromCIDRSet"],
                    ["fromRequires", "fromGroups", "fromNodes"], false, false)
        case "egress":
            return (["toEndpoints", "toEntities", "toCIDR", "toCIDRSet"],
                    ["toRequires", "toGroups", "toNodes", "toServices", "authentication"], true, true)
        default:
            return (["toEndpoints", "toEntities", "toCIDR", "toCIDRSet"],
                    ["toRequires", "toGroups", "toNodes", "toServices"], false, false)
        }
    }

    /// `ingress`, `ingressDeny`, `egress` or `egressDeny` of a rule; empty when absent.
    mutating func decodePeerRules(_ rule: MappingReader, key: String) throws(PolicyError) -> [CiliumPeerRule] {
        guard let node = rule.value(key) else { return [] }
        let path = rule.child(key)
        let accepted = CiliumPolicyDecoder.fields(for: key)
        var known = accepted.peers + accepted.unsupported + ["toPorts", "icmps"]
        if accepted.fqdns { known.append("toFQDNs") }
        let isIngress = key.hasPrefix("ingress")
        var rules: [CiliumPeerRule] = []
        for (index, item) in try node.list(path: path, expected: "a list of \(key) rules").enumerated() {
            let fields = try MappingReader(item, path: indexPath(path, index), expected: "an \(key) rule (a mapping)")
            // `toEndpoints` in an ingress rule (or `fromEndpoints` in an egress rule) is the
            // usual slip; Cilium's schema drops it, so the rule names no peer of that kind.
            var hints: [String: String] = [:]
            for name in ["Endpoints", "Entities", "CIDR", "CIDRSet"] {
                hints[(isIngress ? "to" : "from") + name] = "\(key) rules use \((isIngress ? "from" : "to") + name)"
            }
            if !accepted.fqdns { hints["toFQDNs"] = "toFQDNs is valid only in egress rules" }
            diagnostics += fields.unknownFields(known: known, hints: hints)
            var peer = CiliumPeerRule(location: item.location)
            let prefix = isIngress ? "from" : "to"
            if let selectors = fields.value(prefix + "Endpoints") {
                let selectorsPath = fields.child(prefix + "Endpoints")
                var decoded: [LabelSelector] = []
                for (selectorIndex, selector) in try selectors.list(path: selectorsPath, expected: "a list of endpoint selectors").enumerated() {
                    decoded.append(try decodeSelector(selector, path: indexPath(selectorsPath, selectorIndex)))
                }
                peer.endpoints = decoded.isEmpty ? nil : decoded
            }
            if let entities = fields.value(prefix + "Entities") {
                peer.entities = try decodeEntities(entities, path: fields.child(prefix + "Entities"))
            }
            var cidrs: [CiliumCIDRRule] = []
            if let list = fields.value(prefix + "CIDR") {
                let listPath = fields.child(prefix + "CIDR")
                for (cidrIndex, cidr) in try list.list(path: listPath, expected: "a list of CIDRs").enumerated() {
                    cidrs.append(CiliumCIDRRule(block: IPBlock(cidr: try decodeCIDR(cidr, path: indexPath(listPath, cidrIndex)))))
                }
            }
            if let list = fields.value(prefix + "CIDRSet") {
                cidrs += try decodeCIDRSet(list, path: fields.child(prefix + "CIDRSet"), into: &peer)
            }
            peer.cidrs = cidrs.isEmpty ? nil : cidrs
            if accepted.fqdns, let list = fields.value("toFQDNs") {
                peer.fqdns = try decodeFQDNs(list, path: fields.child("toFQDNs"))
            }
            if let ports = fields.value("toPorts") {
                peer.toPorts = try decodePortRules(ports, path: fields.child("toPorts"), allowsL7: accepted.l7)
            }
            if let icmps = fields.value("icmps") {
                try decodeICMPs(icmps, path: fields.child("icmps"), into: &peer)
            }
            for name in accepted.unsupported {
                guard let value = fields.value(name) else { continue }
                // An empty list names nothing, as in Cilium.
                if let items = value.items, items.isEmpty { continue }
                peer.unsupported.append(CiliumUnsupported(field: name, fieldPath: fields.child(name), location: value.location))
            }
            rules.append(peer)
        }
        return rules
    }

    private mutating func decodeEntities(_ node: YAMLNode, path: String) throws(PolicyError) -> [CiliumEntity]? {
        let expected = CiliumEntity.allCases.map(\.rawValue).joined(separator: ", ")
        var entities: [CiliumEntity] = []
        for (index, item) in try node.list(path: path, expected: "a list of entities").enumerated() {
            let itemPath = indexPath(path, index)
            let text = try item.string(path: itemPath, expected: "an entity (\(expected))")
            guard let entity = CiliumEntity(rawValue: text) else {
                throw PolicyError.invalid(item, path: itemPath, expected: "an entity (\(expected))")
            }
            entities.append(entity)
        }
        return entities.isEmpty ? nil : entities
    }

    /// `fromCIDRSet` / `toCIDRSet`: `cidr` with `except` ranges inside it; `cidrGroupRef` and
    /// `cidrGroupSelector` name CiliumCIDRGroups, which flowlog does not have.
    private mutating func decodeCIDRSet(_ node: YAMLNode, path: String, into peer: inout CiliumPeerRule) throws(PolicyError) -> [CiliumCIDRRule] {
        var rules: [CiliumCIDRRule] = []
        for (index, item) in try node.list(path: path, expected: "a list of CIDR rules").enumerated() {
            let fields = try MappingReader(item, path: indexPath(path, index), expected: "a CIDR rule (a mapping with cidr and except)")
            diagnostics += fields.unknownFields(known: ["cidr", "except", "cidrGroupRef", "cidrGroupSelector"])
            if fields.value("cidr") == nil {
                if let group = fields.value("cidrGroupRef") ?? fields.value("cidrGroupSelector") {
                    let name = fields.value("cidrGroupRef") != nil ? "cidrGroupRef" : "cidrGroupSelector"
                    peer.unsupported.append(CiliumUnsupported(field: name, fieldPath: fields.child(name), location: group.location))
                    continue
                }
            }
            let cidrNode = try fields.required("cidr", hint: "a CIDR such as 10.0.0.0/16, or cidrGroupRef")
            let cidr = try decodeCIDR(cidrNode, path: fields.child("cidr"))
            var except: [CIDR] = []
            if let exceptNode = fields.value("except") {
                let exceptPath = fields.child("except")
                for (exceptIndex, exceptItem) in try exceptNode.list(path: exceptPath, expected: "a list of CIDRs").enumerated() {
                    let itemPath = indexPath(exceptPath, exceptIndex)
                    let range = try decodeCIDR(exceptItem, path: itemPath)
                    guard range.network.isIPv6 == cidr.network.isIPv6, cidr.contains(range.network),
                          range.prefixLength >= cidr.prefixLength else {
                        throw PolicyError.invalid(exceptItem, path: itemPath, expected: "a CIDR inside \(cidr)")
                    }
                    except.append(range)
                }
            }
            rules.append(CiliumCIDRRule(block: IPBlock(cidr: cidr, except: except)))
        }
        return rules
    }

    private static let cidrExpected = "a CIDR such as 10.0.0.0/16 or fd00::/64, or an address"

    /// A CIDR, or a bare address (a /32 or /128), as Cilium's CIDR fields accept.
    private mutating func decodeCIDR(_ node: YAMLNode, path: String) throws(PolicyError) -> CIDR {
        let text = try node.string(path: path, expected: CiliumPolicyDecoder.cidrExpected)
        if let address = IPAddress(text) { return CIDR(address: address, prefixLength: address.isIPv6 ? 128 : 32) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let cidr = CIDR(text) else {
            throw PolicyError.invalid(node, path: path, expected: CiliumPolicyDecoder.cidrExpected)
        }
        if cidr.network != address {
            warn(node, path: path, "CIDR \(YAMLNode.quoted(text)) has bits set past the prefix length; read as \(cidr)")
        }
        return cidr
    }

    /// `toFQDNs`: each entry has `matchName` or `matchPattern`.
    private mutating func decodeFQDNs(_ node: YAMLNode, path: String) throws(PolicyError) -> [CiliumFQDNSelector]? {
        var selectors: [CiliumFQDNSelector] = []
        for (index, item) in try node.list(path: path, expected: "a list of FQDN selectors").enumerated() {
            let fields = try MappingReader(item, path: indexPath(path, index), expected: "an FQDN selector (matchName or matchPattern)")
            diagnostics += fields.unknownFields(known: ["matchName", "matchPattern"])
            var selector = CiliumFQDNSelector()
            selector.matchName = try fields.value("matchName").map { node throws(PolicyError) in
                try node.string(path: fields.child("matchName"), expected: "a DNS name")
            }
            selector.matchPattern = try fields.value("matchPattern").map { node throws(PolicyError) in
                try node.string(path: fields.child("matchPattern"), expected: "a DNS name pattern")
            }
            guard selector.matchName != nil || selector.matchPattern != nil else {
                throw PolicyError(kind: .missingField, location: item.location, fieldPath: indexPath(path, index),
                                  message: "expected matchName or matchPattern, found neither")
            }
            // Cilium rejects a policy with such a selector, so flowlog does too.
            if let problem = selector.problem {
                let field = selector.matchPattern != nil && selector.matchName == nil ? "matchPattern" : "matchName"
                let node = fields.value(field) ?? item
                throw PolicyError(kind: .invalidValue, location: node.location, fieldPath: fields.child(field), message: problem)
            }
            selectors.append(selector)
        }
        return selectors.isEmpty ? nil : selectors
    }

    // MARK: - ICMP

    /// `icmps`: entries of `fields`, each a `type` (a number 0-255, or a name such as
    /// `EchoRequest`, read in the field's family) and a `family` (IPv4, the default, or IPv6).
    private mutating func decodeICMPs(_ node: YAMLNode, path: String, into peer: inout CiliumPeerRule) throws(PolicyError) {
        var icmps: [CiliumICMPField] = []
        for (index, item) in try node.list(path: path, expected: "a list of ICMP rules").enumerated() {
            let rule = try MappingReader(item, path: indexPath(path, index), expected: "an ICMP rule (a mapping with fields)")
            diagnostics += rule.unknownFields(known: ["fields"])
            let fieldsPath = rule.child("fields")
            for (fieldIndex, fieldNode) in try (rule.value("fields")?.list(path: fieldsPath, expected: "a list of ICMP fields") ?? []).enumerated() {
                let field = try MappingReader(fieldNode, path: indexPath(fieldsPath, fieldIndex), expected: "an ICMP field (type and family)")
                diagnostics += field.unknownFields(known: ["type", "family"])
                var family = CiliumICMPField.Family.ipv4
                if let familyNode = field.value("family") {
                    let text = try familyNode.string(path: field.child("family"), expected: "IPv4 or IPv6")
                    guard let parsed = CiliumICMPField.Family(rawValue: text) else {
                        throw PolicyError.invalid(familyNode, path: field.child("family"), expected: "IPv4 or IPv6")
                    }
                    family = parsed
                }
                let typeNode = try field.required("type", hint: "an ICMP type such as 8")
                switch typeNode.resolved {
                case .int(let value?) where (0...255).contains(value):
                    icmps.append(CiliumICMPField(family: family, type: UInt8(value)))
                case .string(let name) where !name.isEmpty:
                    // A quoted number ("8") is the number, as Cilium's int-or-string reads it.
                    if let number = UInt8(name) {
                        icmps.append(CiliumICMPField(family: family, type: number))
                    } else if let number = CiliumICMPField.type(named: name, family: family) {
                        icmps.append(CiliumICMPField(family: family, type: number))
                    } else {
                        throw PolicyError.invalid(typeNode, path: field.child("type"),
                                                  expected: "an ICMP type 0-255 or a name Cilium knows for \(family.rawValue)",
                                                  reason: CiliumICMPField.type(named: name, family: family == .ipv4 ? .ipv6 : .ipv4) != nil
                                                      ? "\(name) is an \(family == .ipv4 ? "IPv6" : "IPv4") name; set family" : nil)
                    }
                default:
                    throw PolicyError.invalid(typeNode, path: field.child("type"), expected: "an ICMP type 0-255 or its name")
                }
            }
        }
        if !icmps.isEmpty { peer.icmps = icmps }
    }

    // MARK: - Ports

    /// `toPorts`: each entry's `ports` and, in allow rules, its L7 `rules`.
    private mutating func decodePortRules(_ node: YAMLNode, path: String, allowsL7: Bool) throws(PolicyError) -> [CiliumPortRule]? {
        var rules: [CiliumPortRule] = []
        for (index, item) in try node.list(path: path, expected: "a list of port rules").enumerated() {
            let fields = try MappingReader(item, path: indexPath(path, index), expected: "a port rule (a mapping with ports)")
            let l7Fields = ["rules", "terminatingTLS", "originatingTLS", "serverNames", "listener"]
            diagnostics += fields.unknownFields(known: allowsL7 ? ["ports"] + l7Fields : ["ports"],
                                                hints: allowsL7 ? [:] : ["rules": "deny rules have no L7 rules; Cilium rejects them"])
            var rule = CiliumPortRule()
            if let ports = fields.value("ports") {
                let portsPath = fields.child("ports")
                for (portIndex, port) in try ports.list(path: portsPath, expected: "a list of ports").enumerated() {
                    rule.ports.append(try decodePort(port, path: indexPath(portsPath, portIndex)))
                }
            }
            if allowsL7 {
                if let l7 = fields.value("rules") {
                    let reader = try MappingReader(l7, path: fields.child("rules"), expected: "L7 rules (http, dns, kafka, l7proto)")
                    diagnostics += reader.unknownFields(known: ["http", "dns", "kafka", "l7proto", "l7"])
                    rule.l7 = reader.fields.filter { !$0.value.isNull && $0.name != "l7" }.map(\.name)
                }
                for name in l7Fields.dropFirst() where fields.value(name) != nil && !rule.l7.contains(name) {
                    rule.l7.append(name)
                }
            }
            rules.append(rule)
        }
        return rules.isEmpty ? nil : rules
    }

    private static let portExpected = "a port 0-65535 (a number or a string) or a port name"

    /// One port: `port` a number or a string holding one (0 or absent: every port) or a port
    /// name; `endPort` at or after a numeric `port`; `protocol` TCP, UDP, SCTP or ANY (the
    /// default), case-sensitive as the CRD's enum.
    private mutating func decodePort(_ node: YAMLNode, path: String) throws(PolicyError) -> CiliumPort {
        let fields = try MappingReader(node, path: path, expected: "a port (a mapping with port, endPort and protocol)")
        diagnostics += fields.unknownFields(known: ["port", "endPort", "protocol"])
        var port = CiliumPort()
        if let protocolNode = fields.value("protocol") {
            let protocolPath = fields.child("protocol")
            let text = try protocolNode.string(path: protocolPath, expected: "TCP, UDP, SCTP or ANY")
            switch text {
            case "TCP": port.proto = .tcp
            case "UDP": port.proto = .udp
            case "SCTP": port.proto = .sctp
            case "ANY": port.proto = .any
            case "ICMP", "ICMPv6", "VRRP", "IGMP": port.proto = .other(text)
            default:
                let reason = ["TCP", "UDP", "SCTP", "ANY"].contains(text.uppercased()) ? "protocol names are upper-case" : nil
                throw PolicyError.invalid(protocolNode, path: protocolPath, expected: "TCP, UDP, SCTP or ANY", reason: reason)
            }
        }
        if let portNode = fields.value("port") {
            let portPath = fields.child("port")
            switch portNode.resolved {
            case .int(let value?) where (0...65535).contains(value):
                port.port = value == 0 ? nil : .number(UInt16(value))
            case .string(let text):
                if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                    guard let value = Int(text), value <= 65535 else {
                        throw PolicyError.invalid(portNode, path: portPath, expected: CiliumPolicyDecoder.portExpected,
                                                  reason: "a port number is at most 65535")
                    }
                    port.port = value == 0 ? nil : .number(UInt16(value))
                } else if let problem = KubernetesNames.portNameProblem(text) {
                    throw PolicyError.invalid(portNode, path: portPath, expected: CiliumPolicyDecoder.portExpected, reason: problem)
                } else {
                    port.port = .name(text)
                }
            default:
                throw PolicyError.invalid(portNode, path: portPath, expected: CiliumPolicyDecoder.portExpected)
            }
        }
        if let endNode = fields.value("endPort") {
            let endPath = fields.child("endPort")
            let end = try endNode.integer(path: endPath, expected: "an integer 1-65535")
            guard case .number(let start) = port.port else {
                throw PolicyError(kind: .invalidValue, location: endNode.location, fieldPath: endPath,
                                  message: "endPort needs a numeric port to start the range")
            }
            guard end >= Int64(start), end <= 65535 else {
                throw PolicyError.invalid(endNode, path: endPath, expected: "an integer from \(start) (port) to 65535")
            }
            port.endPort = UInt16(end)
        }
        return port
    }
}
