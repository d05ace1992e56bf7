/// One Hubble flow record: the fields flowlog stores, filters on, reports and evaluates.
///
/// Field meanings follow `flow.proto`; see `shared/reference/hubble-flow-json.md`. Zero values
/// mean "absent", as in proto3.
public struct Flow: Sendable, Hashable {
    public var time = Timestamp(rawValue: 0)
    /// The 16 bytes of the flow's `uuid`, or nil when the record had none.
    public var uuid: FlowUUID?
    public var verdict = Verdict.verdictUnknown
    public var dropReason = DropReason.unknown
    /// `event_type.type`: the Cilium monitor message type (see ``CiliumEventType``).
    public var eventType: Int32 = 0
    /// `event_type.sub_type`.
    public var eventSubType: Int32 = 0
    public var flowType = FlowType.unknown
    public var sourceIP: IPAddress?
    public var destinationIP: IPAddress?
    public var l4 = Layer4()
    public var source = Endpoint()
    public var destination = Endpoint()
    public var trafficDirection = TrafficDirection.unknown
    /// `is_reply`: true for the reply direction of a connection; nil when Hubble did not know.
    public var isReply: Bool?
    public var nodeName = ""
    /// `policy_match_type` on policy-verdict events (0 none, 1 L3-Only, 2 L3-L4, …).
    public var policyMatchType: Int32 = 0
    /// `trace_observation_point` as its enum number (101 is TO_ENDPOINT).
    public var traceObservationPoint: Int32 = 0
    /// Hubble's human summary (`TCP Flags: SYN`).
    public var summary = ""
    public var policies = PolicyReferences()
    /// `source_names`: the DNS names Cilium's DNS proxy saw for the source address, as Hubble
    /// recorded them (`["one.one.one.one"]`); empty when it knew none.
    public var sourceNames: [String] = []
    /// `destination_names`: the DNS names seen for the destination address, which `toFQDNs`
    /// rules select by.
    public var destinationNames: [String] = []
    /// How many flows this record stands for: the sum of Hubble's exporter aggregation counts
    /// (`aggregate`: ingress, egress and unknown-direction flow counts), or 1 for a record that
    /// was not aggregated (or whose counts sum to 0). Every count of flows adds this weight.
    public var weight: UInt32 = 1

    public init() {}

    /// Whether this record is a policy-verdict event (the twin of a drop event for a dropped packet).
    public var isPolicyVerdictEvent: Bool { eventType == CiliumEventType.policyVerdict }

    /// Whether this record counts as one drop in reports: DROPPED, and not the policy-verdict
    /// twin of a drop event (reference §4.6), so every dropped packet is counted once.
    public var countsAsDrop: Bool { Flow.countsAsDrop(verdict: verdict, isPolicyVerdictEvent: isPolicyVerdictEvent) }

    /// The drop rule itself, for records that are not whole flows (rollup rows): the one
    /// definition behind ``countsAsDrop`` and its SQL form `SQLRules.countsAsDrop`.
    public static func countsAsDrop(verdict: Verdict, isPolicyVerdictEvent: Bool) -> Bool {
        verdict == .dropped && !isPolicyVerdictEvent
    }

    /// The service port of the flow's connection: the destination port, or for a reply its
    /// source port; for ICMP and other port-less protocols, the ICMP type (held in `sourcePort`).
    public var connectionPort: UInt16 {
        guard l4.proto.hasPorts else { return l4.sourcePort }
        return isReply == true ? l4.sourcePort : l4.destinationPort
    }

    /// The DNS names of the connection's server side, the side ``connectionPort`` belongs to:
    /// a reply's source names, else the destination names.
    public var connectionNames: [String] {
        isReply == true ? sourceNames : destinationNames
    }

    /// The most DNS names a flow may carry per side, and the longest name (a DNS name has at
    /// most 253 characters, 254 with its trailing dot; RFC 1035 §2.3.4). Hubble records a
    /// handful; the bounds keep a hostile line from making one flow huge.
    public static let maxNamesPerSide = 256
    public static let maxNameLength = 254
}

/// A flow's 128-bit UUID.
public struct FlowUUID: Sendable, Hashable, CustomStringConvertible {
    private let high: UInt64
    private let low: UInt64

    /// The 16 bytes, in text order.
    public var bytes: [UInt8] {
        (0..<16).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> (56 - 8 * UInt64(index % 8))) }
    }

    /// Calls `body` with the 16 bytes, without allocating.
    package func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        var words = (high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &words) { raw throws(E) in try body(raw) }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses the 8-4-4-4-12 hex form (any case).
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ FlowUUID(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    package init?(utf8: UnsafeRawBufferPointer) {
        guard utf8.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var nibbles = 0
        for index in 0..<36 {
            let byte = utf8[index]
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let nibble = hexValue(byte) else { return nil }
            if nibbles < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
            nibbles += 1
        }
        self.high = high
        self.low = low
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

@inline(__always)
private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 48...57: byte - 48
    case 97...102: byte - 87
    case 65...70: byte - 55
    default: nil
    }
}

/// A `lost_events` record: Hubble could not deliver some events.
public struct LostEvents: Sendable, Hashable {
    public var time = Timestamp(rawValue: 0)
    public var nodeName = ""
    /// `LostEventSource` enum name (`HUBBLE_RING_BUFFER`, …).
    public var source = ""
    public var count: Int64 = 0
    public var cpu: Int32?

    public init() {}
}
