import FlowlogModel

extension FlowQueryFlags {
    /// Reads the flags added to follow `hubble observe` further (`--ip`, `--from-port`, `--type`,
    /// `--identity`, `--fqdn`, `--workload`, `--uuid`, `--tcp-flags`) into `query`.
    func readHubbleFlags(into query: inout FlowQuery) throws(FlowQueryFlagError) {
        query.sourcePorts = try fromPort.map { text throws(FlowQueryFlagError) in try Self.port(text, flag: "--from-port") }
        query.destinationPorts = try toPort.map { text throws(FlowQueryFlagError) in try Self.port(text, flag: "--to-port") }
        query.ips = try ip.map { text throws(FlowQueryFlagError) in try Self.cidr(text, flag: "--ip") }
        query.eventTypes = try type.map { text throws(FlowQueryFlagError) in try Self.eventType(text) }
        query.either.identities = try identity.map { text throws(FlowQueryFlagError) in try Self.identity(text, flag: "--identity") }
        query.source.identities = try fromIdentity.map { text throws(FlowQueryFlagError) in
            try Self.identity(text, flag: "--from-identity")
        }
        query.destination.identities = try toIdentity.map { text throws(FlowQueryFlagError) in
            try Self.identity(text, flag: "--to-identity")
        }
        query.names = try fqdn.map { text throws(FlowQueryFlagError) in try Self.fqdn(text, flag: "--fqdn") }
        query.sourceNames = try fromFQDN.map { text throws(FlowQueryFlagError) in try Self.fqdn(text, flag: "--from-fqdn") }
        query.destinationNames = try toFQDN.map { text throws(FlowQueryFlagError) in try Self.fqdn(text, flag: "--to-fqdn") }
        query.either.workloads = workload.map(WorkloadFilter.init(parsing:))
        query.source.workloads = fromWorkload.map(WorkloadFilter.init(parsing:))
        query.destination.workloads = toWorkload.map(WorkloadFilter.init(parsing:))
        query.uuids = try uuid.map { text throws(FlowQueryFlagError) in
            guard let value = FlowUUID(text.trimmingWhitespace()) else {
                throw FlowQueryFlagError(flag: "--uuid", message: "\(Self.quoted(text)) is not a UUID (8-4-4-4-12 hex digits)")
            }
            return value
        }
        query.tcpFlags = try tcpFlags.map { text throws(FlowQueryFlagError) in try Self.tcpFlagSet(text) }
    }

    static func port(_ text: String, flag: String) throws(FlowQueryFlagError) -> UInt16 {
        guard let value = UInt16(text) else {
            throw FlowQueryFlagError(flag: flag, message: "\(quoted(text)) is not a port number (0-65535)")
        }
        return value
    }

    /// A security identity: a number, or a reserved identity's name (`world`, `host`, …).
    static func identity(_ text: String, flag: String) throws(FlowQueryFlagError) -> UInt32 {
        if let number = UInt32(text) { return number }
        if let reserved = ReservedIdentity(name: text.lowercased()) { return reserved.rawValue }
        throw FlowQueryFlagError(flag: flag, message: "\(quoted(text)) is not a security identity; use a number or one of "
                                 + ReservedIdentity.allCases.map(\.name).joined(separator: ", "))
    }

    static func fqdn(_ text: String, flag: String) throws(FlowQueryFlagError) -> FQDNPattern {
        guard let pattern = FQDNPattern(text) else {
            throw FlowQueryFlagError(flag: flag, message: "\(quoted(text)) is not a DNS name pattern "
                                     + "(letters, digits, '-', '_', '.', and '*' for any part, such as *.example.com)")
        }
        return pattern
    }

    /// `type[:sub-type]` as hubble reads it, for the event types flows carry.
    static func eventType(_ text: String) throws(FlowQueryFlagError) -> EventTypeFilter {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map { $0.lowercased() }
        let typeName = parts[0]
        let known = EventTypeFilter.flowTypeNames.map(\.name).joined(separator: ", ")
        if EventTypeFilter.nonFlowTypeNames.contains(typeName) {
            throw FlowQueryFlagError(flag: "--type", message: "\(quoted(typeName)) events are not flows; flowlog stores flows only "
                                     + "(it counts other records in `flowlog stats`). Use one of \(known)")
        }
        guard let type = EventTypeFilter.flowTypeNames.first(where: { $0.name == typeName })?.type ?? Int32(typeName),
              type >= 0 else {
            throw FlowQueryFlagError(flag: "--type", message: "unknown event type \(quoted(typeName)); use one of \(known), or a number")
        }
        guard parts.count == 2 else { return EventTypeFilter(type: type) }
        let subName = parts[1]
        if type == CiliumEventType.trace, let subType = EventTypeFilter.traceSubType(subName) {
            return EventTypeFilter(type: type, subType: subType)
        }
        guard let subType = Int32(subName), subType >= 0 else {
            throw FlowQueryFlagError(flag: "--type", message: "unknown event sub-type \(quoted(subName)); use a number"
                                     + (type == CiliumEventType.trace ? " or a trace point such as to-endpoint, from-network" : ""))
        }
        return EventTypeFilter(type: type, subType: subType)
    }

    /// `SYN,ACK`: every named flag set (hubble's comma-separated form).
    static func tcpFlagSet(_ text: String) throws(FlowQueryFlagError) -> TCPFlags {
        var flags: TCPFlags = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part).trimmingWhitespace().uppercased()
            guard let flag = TCPFlags.names.first(where: { $0.name == name })?.flag else {
                throw FlowQueryFlagError(flag: "--tcp-flags", message: "unknown TCP flag \(quoted(String(part))); use "
                                         + TCPFlags.names.map(\.name).joined(separator: ", ") + ", comma-separated for all of several")
            }
            flags.insert(flag)
        }
        return flags
    }
}
