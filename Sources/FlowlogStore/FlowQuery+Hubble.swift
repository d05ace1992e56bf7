import FlowlogModel

/// A workload filter as `hubble observe --workload` takes it: `name`, or `qualifier/name`, where
/// the qualifier is hubble's workload kind (`Deployment/api`) or flowlog's namespace
/// (`production/api`). A qualifier matches when it is either, so both forms that users paste work.
/// An empty name (`Deployment/`) matches every workload of the kind, as in hubble.
public struct WorkloadFilter: Sendable, Hashable {
    /// The kind or namespace before the slash; nil when the text had no slash.
    public var qualifier: String?
    public var name: String

    public init(qualifier: String?, name: String) {
        self.qualifier = qualifier
        self.name = name
    }

    /// Reads `name` or `qualifier/name` (split at the last slash).
    public init(parsing text: String) {
        if let slash = text.lastIndex(of: "/") {
            qualifier = String(text[..<slash])
            name = String(text[text.index(after: slash)...])
        } else {
            qualifier = nil
            name = text
        }
    }

    /// Whether one of the endpoint's workloads has the name, and the qualifier is its kind (exact,
    /// as in hubble) or the endpoint's namespace.
    public func matches(_ endpoint: Endpoint) -> Bool {
        let qualifierIsNamespace = qualifier.map { $0 == endpoint.effectiveNamespace } ?? true
        return endpoint.workloads.contains { workload in
            (name.isEmpty || workload.name == name) && (qualifierIsNamespace || workload.kind == qualifier)
        }
    }
}

/// A DNS name pattern as `hubble observe --fqdn` takes it: letters, digits, `-`, `_` and `.`,
/// where `*` stands for any run of letters, digits, `-` and `.` (so `*.example.com` also matches
/// `a.b.example.com`). Case does not matter and one trailing dot is ignored, on both sides.
public struct FQDNPattern: Sendable, Hashable, CustomStringConvertible {
    /// The canonical pattern: lowercase, without a trailing dot.
    public let pattern: String

    /// Reads `text`; nil when it is empty or holds a character a DNS pattern cannot.
    public init?(_ text: String) {
        var canonical = text.trimmingWhitespace().lowercased()
        if canonical.hasSuffix(".") { canonical.removeLast() }
        guard !canonical.isEmpty, !canonical.hasSuffix("."),
              canonical.utf8.allSatisfy({ FQDNPattern.isNameByte($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "_") })
        else { return nil }
        pattern = canonical
    }

    public var description: String { pattern }

    /// Bytes a `*` may stand for: `[-.0-9a-z]`.
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): true
        default: false
        }
    }

    /// Whether the whole of `name` (lowercased, one trailing dot ignored) matches the pattern.
    public func matches(_ name: String) -> Bool {
        var text = name.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        let pattern = Array(pattern.utf8)
        let subject = Array(text.utf8)
        // matched[j]: the pattern read so far matches the first j bytes of the name. A star
        // stands for a run of [-.0-9a-z], so it cannot be the plain glob's last-star shortcut.
        var matched = [Bool](repeating: false, count: subject.count + 1)
        matched[0] = true
        for byte in pattern {
            var next = [Bool](repeating: false, count: subject.count + 1)
            if byte == UInt8(ascii: "*") {
                next[0] = matched[0]
                for j in 1...max(1, subject.count) where j <= subject.count {
                    next[j] = matched[j] || (next[j - 1] && FQDNPattern.isNameByte(subject[j - 1]))
                }
            } else {
                for j in 1...max(1, subject.count) where j <= subject.count {
                    next[j] = matched[j - 1] && subject[j - 1] == byte
                }
            }
            matched = next
        }
        return matched[subject.count]
    }
}

/// An event type filter as `hubble observe -t/--type` takes it: a Cilium monitor message type
/// (`trace`, `drop`, `policy-verdict`, `l7`, `capture`, `trace-sock`, `recorder`, or a number)
/// and optionally `:sub-type` (a trace observation point such as `to-endpoint`, or a number).
public struct EventTypeFilter: Sendable, Hashable {
    public var type: Int32
    public var subType: Int32?

    public init(type: Int32, subType: Int32? = nil) {
        self.type = type
        self.subType = subType
    }

    /// Hubble's monitor type names and numbers that flows carry.
    public static let flowTypeNames: [(name: String, type: Int32)] = [
        ("drop", 1), ("capture", 3), ("trace", 4), ("policy-verdict", 5), ("recorder", 6), ("trace-sock", 7), ("l7", 129),
    ]

    /// Types hubble knows whose events are not flows; flowlog refuses them rather than answer
    /// nothing.
    public static let nonFlowTypeNames = ["debug", "agent"]

    public func matches(_ flow: Flow) -> Bool {
        flow.eventType == type && (subType.map { $0 == flow.eventSubType } ?? true)
    }

    /// The monitor sub-type of a trace observation point named as hubble prints it
    /// (`to-endpoint` is 0 in the monitor's numbering, 101 in `flow.proto`'s).
    static func traceSubType(_ name: String) -> Int32? {
        guard let entry = TraceObservationPoint.names.first(where: {
            $0.code != 0 && TraceObservationPoint.cliName($0.code) == name
        }) else { return nil }
        return entry.code == 101 ? 0 : entry.code
    }
}

extension FlowQuery {
    /// Conditions that only the flows themselves answer (no rollup keeps their columns).
    package var hasFlowOnlyHubbleConditions: Bool {
        !sourcePorts.isEmpty || !destinationPorts.isEmpty || !ips.isEmpty || !names.isEmpty
            || !sourceNames.isEmpty || !destinationNames.isEmpty || !eventTypes.isEmpty || !uuids.isEmpty
            || !tcpFlags.isEmpty || !exclusions.isEmpty
    }

    /// The conditions added for `hubble observe`'s further flags, for ``matches(_:)``.
    func matchesHubbleConditions(_ flow: Flow) -> Bool {
        if !sourcePorts.isEmpty, !(flow.l4.proto.hasPorts && sourcePorts.contains(flow.l4.sourcePort)) { return false }
        if !destinationPorts.isEmpty, !(flow.l4.proto.hasPorts && destinationPorts.contains(flow.l4.destinationPort)) {
            return false
        }
        if !ips.isEmpty {
            let inSource = flow.sourceIP.map { address in ips.contains { $0.contains(address) } } ?? false
            let inDestination = flow.destinationIP.map { address in ips.contains { $0.contains(address) } } ?? false
            if !inSource && !inDestination { return false }
        }
        if !names.isEmpty, !Self.anyName(flow.sourceNames, names), !Self.anyName(flow.destinationNames, names) { return false }
        if !sourceNames.isEmpty, !Self.anyName(flow.sourceNames, sourceNames) { return false }
        if !destinationNames.isEmpty, !Self.anyName(flow.destinationNames, destinationNames) { return false }
        if !eventTypes.isEmpty, !eventTypes.contains(where: { $0.matches(flow) }) { return false }
        if !uuids.isEmpty, !(flow.uuid.map(uuids.contains) ?? false) { return false }
        if !tcpFlags.isEmpty, !tcpFlags.contains(where: { flow.l4.tcpFlags.isSuperset(of: $0) }) { return false }
        return true
    }

    /// Whether one of `names` matches one of `patterns`.
    package static func anyName(_ names: [String], _ patterns: [FQDNPattern]) -> Bool {
        names.contains { name in patterns.contains { $0.matches(name) } }
    }
}
