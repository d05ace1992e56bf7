/// The ICMP type names Cilium accepts in `icmps[].fields[].type` (its `ICMPField` documentation,
/// security/policy/language, "Limit ICMP/ICMPv6 types"), with the type numbers of RFC 792 and
/// its successors (ICMPv4) and RFC 4443 and its successors (ICMPv6). A name means a number
/// only within its family: `EchoRequest` is 8 for IPv4 and 128 for IPv6.
extension CiliumICMPField {
    /// IPv4 names. Cilium lists `Echo` and `EchoRequest` as the same type.
    static let ipv4TypesByName: [String: UInt8] = [
        "EchoReply": 0, "DestinationUnreachable": 3, "Redirect": 5, "Echo": 8, "EchoRequest": 8,
        "RouterAdvertisement": 9, "RouterSelection": 10, "TimeExceeded": 11, "ParameterProblem": 12,
        "Timestamp": 13, "TimestampReply": 14, "Photuris": 40, "ExtendedEchoRequest": 42, "ExtendedEchoReply": 43,
    ]

    /// IPv6 names.
    static let ipv6TypesByName: [String: UInt8] = [
        "DestinationUnreachable": 1, "PacketTooBig": 2, "TimeExceeded": 3, "ParameterProblem": 4,
        "EchoRequest": 128, "EchoReply": 129, "MulticastListenerQuery": 130, "MulticastListenerReport": 131,
        "MulticastListenerDone": 132, "RouterSolicitation": 133, "RouterAdvertisement": 134,
        "NeighborSolicitation": 135, "NeighborAdvertisement": 136, "RedirectMessage": 137, "RouterRenumbering": 138,
        "ICMPNodeInformationQuery": 139, "ICMPNodeInformationResponse": 140,
        "InverseNeighborDiscoverySolicitation": 141, "InverseNeighborDiscoveryAdvertisement": 142,
        "HomeAgentAddressDiscoveryRequest": 144, "HomeAgentAddressDiscoveryReply": 145,
        "MobilePrefixSolicitation": 146, "MobilePrefixAdvertisement": 147,
        "DuplicateAddressRequestCodeSuffix": 157, "DuplicateAddressConfirmationCodeSuffix": 158,
        "ExtendedEchoRequest": 160, "ExtendedEchoReply": 161,
    ]

    /// The type number `name` stands for in `family`; nil when Cilium knows no such name there.
    /// Names are matched exactly, as Cilium spells them (CamelCase).
    public static func type(named name: String, family: Family) -> UInt8? {
        (family == .ipv4 ? ipv4TypesByName : ipv6TypesByName)[name]
    }
}
