import FlowlogModel
extension NetworkPolicyDecoder {
    // MARK: - Selectors

    mutating func decodeSelector(_ node: YAMLNode, path: String) throws(PolicyError) -> LabelSelector {
        try LabelSelector.decoding(node, path: path, diagnostics: &diagnostics)
    }

    // MARK: - Peers

    /// One `from` / `to` entry (`ValidateNetworkPolicyPeer`): `podSelector` and/or
    /// `namespaceSelector` (both in one entry select pods matching the first in namespaces
    /// matching the second), or `ipBlock`, which must be alone.
    mutating func decodePeer(_ node: YAMLNode, path: String) throws(PolicyError) -> PolicyPeer {
        let fields = try MappingReader(node, path: path, expected: "a peer (a mapping with podSelector, namespaceSelector or ipBlock)")
        diagnostics += fields.unknownFields(known: ["podSelector", "namespaceSelector", "ipBlock"])
        var pods: LabelSelector?
        var namespaces: LabelSelector?
        var ipBlock: IPBlock?
        if let selector = fields.value("podSelector") {
            pods = try decodeSelector(selector, path: fields.child("podSelector"))
        }
        if let selector = fields.value("namespaceSelector") {
            namespaces = try decodeSelector(selector, path: fields.child("namespaceSelector"))
        }
        if let block = fields.value("ipBlock") {
            ipBlock = try decodeIPBlock(block, path: fields.child("ipBlock"))
        }
        if let ipBlock {
            guard pods == nil && namespaces == nil else {
                let other = pods != nil ? "podSelector" : "namespaceSelector"
                throw PolicyError(kind: .invalidValue, location: node.location, fieldPath: path,
                                  message: "expected ipBlock alone in its peer, found it together with \(other) (write them as separate peers)")
            }
            return .ipBlock(ipBlock)
        }
        guard pods != nil || namespaces != nil else {
            var message = "expected podSelector, namespaceSelector or ipBlock, found an empty peer"
            // `- namespaceSelector:` with nothing after it is null, which the API treats as absent.
            if let null = ["podSelector", "namespaceSelector", "ipBlock"].first(where: { fields.contains($0) }) {
                message += " (\(null) is null; write \(null): {} to select everything)"
            }
            throw PolicyError(kind: .missingField, location: node.location, fieldPath: path, message: message)
        }
        return .selector(pods: pods, namespaces: namespaces)
    }

    // MARK: - ipBlock

    /// `ipBlock` (`ValidateIPBlock`): a CIDR, and exceptions that each lie strictly inside it
    /// (same family, inside the range, and a longer prefix).
    mutating func decodeIPBlock(_ node: YAMLNode, path: String) throws(PolicyError) -> IPBlock {
        let fields = try MappingReader(node, path: path, expected: "an ipBlock (a mapping with cidr and except)")
        diagnostics += fields.unknownFields(known: ["cidr", "except"])
        let cidrNode = try fields.required("cidr", hint: "a CIDR such as 10.0.0.0/16")
        let cidr = try decodeCIDR(cidrNode, path: fields.child("cidr"))
        var except: [CIDR] = []
        if let exceptNode = fields.value("except") {
            let exceptPath = fields.child("except")
            for (index, item) in try exceptNode.list(path: exceptPath, expected: "a list of CIDRs").enumerated() {
                let itemPath = indexPath(exceptPath, index)
                let range = try decodeCIDR(item, path: itemPath)
                guard range.network.isIPv6 == cidr.network.isIPv6, cidr.contains(range.network),
                      range.prefixLength > cidr.prefixLength else {
                    throw PolicyError.invalid(item, path: itemPath, expected: "a CIDR strictly inside \(cidr)")
                }
                except.append(range)
            }
        }
        return IPBlock(cidr: cidr, except: except)
    }

    private static let cidrExpected = "a CIDR such as 10.0.0.0/16 or fd00::/64"

    /// A CIDR in `address/length` form. A bare address is not a CIDR to the API server. An
    /// address with bits set past the prefix (`10.0.0.1/24`) is still accepted by the API server
    /// for this legacy field and means its network (`10.0.0.0/24`); it gets a warning.
    private mutating func decodeCIDR(_ node: YAMLNode, path: String) throws(PolicyError) -> CIDR {
        let text = try node.string(path: path, expected: NetworkPolicyDecoder.cidrExpected)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let cidr = CIDR(text) else {
            throw PolicyError.invalid(node, path: path, expected: NetworkPolicyDecoder.cidrExpected)
        }
        if cidr.network != address {
            warn(node, path: path, "CIDR \(YAMLNode.quoted(text)) has bits set past the prefix length; read as \(cidr) (write \"\(cidr)\", or \"\(address)/\(address.isIPv6 ? 128 : 32)\" for one address)")
        }
        return cidr
    }

    // MARK: - Ports

    private static let portExpected = "an integer 1-65535 or a port name"

    /// One `ports` entry (`ValidateNetworkPolicyPort`): `protocol` TCP (the default), UDP or
    /// SCTP; `port` a number or a named container port; `endPort` only after a numeric `port`,
    /// and not below it.
    mutating func decodePort(_ node: YAMLNode, path: String) throws(PolicyError) -> PortSpec {
        let fields = try MappingReader(node, path: path, expected: "a port (a mapping with protocol, port and endPort)")
        diagnostics += fields.unknownFields(known: ["protocol", "port", "endPort"])
        var spec = PortSpec(location: node.location)
        if let protocolNode = fields.value("protocol") {
            spec.proto = try PolicyProtocol.decoding(protocolNode, path: fields.child("protocol"))
        }
        if let portNode = fields.value("port") {
            spec.port = try decodePortValue(portNode, path: fields.child("port"))
        }
        if let endNode = fields.value("endPort") {
            let endPath = fields.child("endPort")
            let end = try endNode.integer(path: endPath, expected: "an integer 1-65535")
            switch spec.port {
            case nil:
                throw PolicyError(kind: .invalidValue, location: endNode.location, fieldPath: endPath,
                                  message: "endPort needs a numeric port to start the range, and port is missing")
            case .name(let name):
                throw PolicyError(kind: .invalidValue, location: endNode.location, fieldPath: endPath,
                                  message: "endPort needs a numeric port to start the range, and port is the name \(YAMLNode.quoted(name))")
            case .number(let start):
                guard end >= Int64(start), end <= 65535 else {
                    throw PolicyError.invalid(endNode, path: endPath, expected: "an integer from \(start) (port) to 65535")
                }
                spec.endPort = UInt16(end)
            }
        }
        return spec
    }

    /// `port`, an int-or-string as the API decodes it: a plain integer is a port number and a
    /// string is a port name. So a quoted `"80"` is a *name*, which the API server rejects
    /// because a port name must contain a letter; flowlog rejects it the same way and says how
    /// to fix it.
    private func decodePortValue(_ node: YAMLNode, path: String) throws(PolicyError) -> PolicyPortValue {
        switch node.resolved {
        case .int(let value?) where (1...65535).contains(value):
            return .number(UInt16(value))
        case .int:
            throw PolicyError.invalid(node, path: path, expected: NetworkPolicyDecoder.portExpected)
        case .string(let name):
            if !name.isEmpty && name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                throw PolicyError.invalid(node, path: path, expected: NetworkPolicyDecoder.portExpected,
                                          reason: "a quoted number is a port name, and a port name must contain a letter; write the number without quotes")
            }
            if let problem = KubernetesNames.portNameProblem(name) {
                throw PolicyError.invalid(node, path: path, expected: NetworkPolicyDecoder.portExpected, reason: problem)
            }
            return .name(name)
        default:
            throw PolicyError.wrongType(node, path: path, expected: NetworkPolicyDecoder.portExpected)
        }
    }
}

extension PolicyProtocol {
    /// `protocol` of a policy port or a container port: `TCP`, `UDP` or `SCTP`, case-sensitive as
    /// the API server compares it.
    static func decoding(_ node: YAMLNode, path: String) throws(PolicyError) -> PolicyProtocol {
        let text = try node.string(path: path, expected: "TCP, UDP or SCTP")
        guard let proto = PolicyProtocol(rawValue: text) else {
            let reason = PolicyProtocol(rawValue: text.uppercased()) != nil ? "protocol names are upper-case" : nil
            throw PolicyError.invalid(node, path: path, expected: "TCP, UDP or SCTP", reason: reason)
        }
        return proto
    }
}
