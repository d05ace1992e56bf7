import Testing
import FlowlogModel
import FlowlogPolicy
@testable import FlowlogEvaluation

/// Port-range merging and CIDR aggregation for `policy suggest`.
@Suite struct SuggestionConsolidationTests {
    struct PortCase: CustomStringConvertible, Sendable {
        var ports: [UInt16]
        var ranges: [ClosedRange<UInt16>]
        var description: String { "\(ports)" }
    }

    @Test(arguments: [
        PortCase(ports: [], ranges: []),
        PortCase(ports: [443], ranges: [443...443]),
        PortCase(ports: [80, 81, 82, 443], ranges: [80...82, 443...443]),
        PortCase(ports: [82, 80, 81, 81, 80], ranges: [80...82]),
        PortCase(ports: [8080, 8082], ranges: [8080...8080, 8082...8082]),
        PortCase(ports: [1, 2, 4, 5, 6, 9], ranges: [1...2, 4...6, 9...9]),
        PortCase(ports: [65534, 65535, 0], ranges: [0...0, 65534...65535]),
    ])
    func contiguousPortsMergeIntoRanges(_ item: PortCase) {
        #expect(PortRanges.merge(item.ports) == item.ranges)
    }

    @Test func aRangeBecomesPortAndEndPortAndASinglePortHasNoEndPort() {
        let specs = PortRanges.portSpecs([9090, 9091, 9092, 53], proto: .udp)
        #expect(specs == [PortSpec(proto: .udp, port: .number(53)),
                          PortSpec(proto: .udp, port: .number(9090), endPort: 9092)])
    }

    struct CIDRCase: CustomStringConvertible, Sendable {
        var addresses: [String]
        var maxV4 = 24
        var maxV6 = 64
        var expected: [String]
        var description: String { "\(addresses) max /\(maxV4) /\(maxV6)" }
    }

    @Test(arguments: [
        CIDRCase(addresses: [], expected: []),
        CIDRCase(addresses: ["203.0.113.10"], expected: ["203.0.113.10/32"]),
        CIDRCase(addresses: ["203.0.113.10", "203.0.113.10"], expected: ["203.0.113.10/32"]),
        // .10 = 00001010 and .77 = 01001101 share one leading bit: the smallest CIDR holding both.
        CIDRCase(addresses: ["203.0.113.10", "203.0.113.77"], expected: ["203.0.113.0/25"]),
        CIDRCase(addresses: ["203.0.113.4", "203.0.113.5", "203.0.113.6", "203.0.113.7"], expected: ["203.0.113.4/30"]),
        CIDRCase(addresses: ["203.0.113.1", "203.0.113.254"], expected: ["203.0.113.0/24"]),
        // Never wider than the limit: two /24s stay two ranges.
        CIDRCase(addresses: ["198.51.100.1", "198.51.101.1"], expected: ["198.51.100.1/32", "198.51.101.1/32"]),
        CIDRCase(addresses: ["198.51.100.1", "198.51.101.1"], maxV4: 16, expected: ["198.51.100.0/23"]),
        // 0.0.0.0/0 only when asked for.
        CIDRCase(addresses: ["1.2.3.4", "200.1.1.1"], expected: ["1.2.3.4/32", "200.1.1.1/32"]),
        CIDRCase(addresses: ["1.2.3.4", "200.1.1.1"], maxV4: 0, expected: ["0.0.0.0/0"]),
        CIDRCase(addresses: ["2001:db8::1", "2001:db8::ff"], expected: ["2001:db8::/120"]),
        CIDRCase(addresses: ["2001:db8:0:1::1", "2001:db8:0:2::1"], expected: ["2001:db8:0:1::1/128", "2001:db8:0:2::1/128"]),
        CIDRCase(addresses: ["2001:db8::1", "10.0.0.1"], expected: ["10.0.0.1/32", "2001:db8::1/128"]),
        CIDRCase(addresses: ["10.0.0.1", "10.0.0.2"], maxV4: 32, expected: ["10.0.0.1/32", "10.0.0.2/32"]),
    ])
    func addressesAggregateIntoCoveringCIDRsNoWiderThanTheLimit(_ item: CIDRCase) throws {
        let addresses = try item.addresses.map { try #require(IPAddress($0)) }
        let cidrs = CIDRAggregation.aggregate(addresses, maxPrefixV4: item.maxV4, maxPrefixV6: item.maxV6)
        #expect(cidrs.map(\.description) == item.expected)
        for address in addresses { #expect(cidrs.contains { $0.contains(address) }, "\(address) is covered") }
        for cidr in cidrs {
            #expect(cidr.prefixLength >= (cidr.network.isIPv6 ? item.maxV6 : item.maxV4), "\(cidr) is no wider than the limit")
        }
    }
}
