import FlowlogModel
import FlowlogPolicy

/// Merges recorded ports into the fewest `port`/`endPort` entries that name exactly them.
public enum PortRanges {
    /// The ports as ascending, disjoint ranges; consecutive numbers share one range
    /// (`80, 81, 82, 443` → `80...82, 443...443`). Duplicates count once.
    public static func merge<Ports: Sequence>(_ ports: Ports) -> [ClosedRange<UInt16>] where Ports.Element == UInt16 {
        var ranges: [ClosedRange<UInt16>] = []
        for port in Set(ports).sorted() {
            if let last = ranges.last, last.upperBound < UInt16.max, last.upperBound + 1 == port {
                ranges[ranges.count - 1] = last.lowerBound...port
            } else {
                ranges.append(port...port)
            }
        }
        return ranges
    }

    /// Policy port entries for `ports` of one protocol: a single port as `port`, a run of
    /// consecutive ports as `port` plus `endPort` (Kubernetes: "endPort indicates that the range of
    /// ports from port to endPort if set, inclusive, should be allowed").
    public static func portSpecs<Ports: Sequence>(_ ports: Ports, proto: PolicyProtocol) -> [PortSpec] where Ports.Element == UInt16 {
        merge(ports).map { range in
            PortSpec(proto: proto, port: .number(range.lowerBound),
                     endPort: range.lowerBound == range.upperBound ? nil : range.upperBound)
        }
    }
}

/// Aggregates addresses outside the cluster into covering CIDRs, so a rule names a few ranges
/// instead of one /32 per address, without ever widening past a limit.
public enum CIDRAggregation {
    /// The narrowest prefixes that cover `addresses`, none wider than `maxPrefixV4` bits (IPv4) or
    /// `maxPrefixV6` bits (IPv6).
    ///
    /// Addresses are first grouped by the network of the widest allowed prefix (their /24 by
    /// default); each group becomes the longest prefix all its addresses share, so two addresses
    /// of one /24 give the smallest CIDR holding both, and a single address stays a host prefix.
    /// The result is sorted: IPv4 before IPv6, then by network. A limit of 0 allows `0.0.0.0/0`
    /// (`::/0`); nothing wider than the limit is ever produced.
    public static func aggregate(_ addresses: [IPAddress], maxPrefixV4: Int = 24, maxPrefixV6: Int = 64) -> [CIDR] {
        var groups: [CIDR: (low: [UInt8], high: [UInt8], sample: IPAddress)] = [:]
        for address in Set(addresses) {
            let limit = address.isIPv6 ? Swift.min(Swift.max(maxPrefixV6, 0), 128) : Swift.min(Swift.max(maxPrefixV4, 0), 32)
            let bucket = CIDR(address: address, prefixLength: limit)
            let bytes = address.bytes
            if let group = groups[bucket] {
                groups[bucket] = (bytes.lexicographicallyPrecedes(group.low) ? bytes : group.low,
                                  group.high.lexicographicallyPrecedes(bytes) ? bytes : group.high, group.sample)
            } else {
                groups[bucket] = (bytes, bytes, address)
            }
        }
        return groups.map { bucket, group in
            // The longest prefix shared by the lowest and highest address is shared by every
            // address between them; it is never shorter than the bucket's own prefix.
            let common = Swift.max(commonPrefixLength(group.low, group.high), bucket.prefixLength)
            return CIDR(address: group.sample, prefixLength: common)
        }.sorted(by: isOrderedBefore)
    }

    /// IPv4 before IPv6, then by network bytes, then wider first.
    static func isOrderedBefore(_ lhs: CIDR, _ rhs: CIDR) -> Bool {
        if lhs.network.isIPv6 != rhs.network.isIPv6 { return !lhs.network.isIPv6 }
        let (left, right) = (lhs.network.bytes, rhs.network.bytes)
        if left != right { return left.lexicographicallyPrecedes(right) }
        return lhs.prefixLength < rhs.prefixLength
    }

    /// How many leading bits two equally long byte strings share.
    static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var bits = 0
        for (x, y) in zip(a, b) {
            let difference = x ^ y
            if difference == 0 {
                bits += 8
                continue
            }
            return bits + difference.leadingZeroBitCount
        }
        return bits
    }
}
