import Testing
@testable import FlowlogModel
import FlowlogTestSupport

@Suite struct IPAddressTests {
    struct AddressCase: Sendable, CustomTestStringConvertible {
        var text: String
        /// The canonical form, or nil when the text is not an address.
        var canonical: String?
        var bytes: [UInt8] = []
        var testDescription: String { text.debugDescription }
    }

    static let validCases: [AddressCase] = [
        AddressCase(text: "10.0.1.15", canonical: "10.0.1.15", bytes: [10, 0, 1, 15]),
        AddressCase(text: "0.0.0.0", canonical: "0.0.0.0", bytes: [0, 0, 0, 0]),
        AddressCase(text: "255.255.255.255", canonical: "255.255.255.255", bytes: [255, 255, 255, 255]),
        AddressCase(text: "192.0.2.100", canonical: "192.0.2.100", bytes: [192, 0, 2, 100]),
        AddressCase(text: "::", canonical: "::", bytes: Array(repeating: 0, count: 16)),
        AddressCase(text: "::1", canonical: "::1", bytes: Array(repeating: 0, count: 15) + [1]),
        AddressCase(text: "2001:DB8::5", canonical: "2001:db8::5",
                    bytes: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [5]),
        AddressCase(text: "fd00:0:0:0:0:0:0:1", canonical: "fd00::1",
                    bytes: [0xfd, 0x00] + Array(repeating: 0, count: 13) + [1]),
        AddressCase(text: "fd00:10:244:1::1a", canonical: "fd00:10:244:1::1a",
                    bytes: [0xfd, 0, 0, 0x10, 0x02, 0x44, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x1a]),
        AddressCase(text: "fe80::0001", canonical: "fe80::1",
                    bytes: [0xfe, 0x80] + Array(repeating: 0, count: 13) + [1]),
        AddressCase(text: "::ffff:10.0.0.1", canonical: "::ffff:10.0.0.1",
                    bytes: Array(repeating: 0, count: 10) + [0xff, 0xff, 10, 0, 0, 1]),
        AddressCase(text: "0000:0000:0000:0000:0000:ffff:100.100.100.100", canonical: "::ffff:100.100.100.100",
                    bytes: Array(repeating: 0, count: 10) + [0xff, 0xff, 100, 100, 100, 100]),
        AddressCase(text: "1:2:3:4:5:6:7:8", canonical: "1:2:3:4:5:6:7:8",
                    bytes: [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]),
    ]

    static let invalidCases: [AddressCase] = [
        "", "01.2.3.4", "1.2.3.04", "10.00.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1", "1..2.3",
        ".1.2.3", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "a.b.c.d", "1.2.3.4/32", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9",
        "gggg::1", "fd00::1::2", ":::", "12345::1", "::ffff:1.2.3.256",
        "0000:0000:0000:0000:0000:ffff:100.100.100.1000",
    ].map { AddressCase(text: $0, canonical: nil) }

    @Test(arguments: validCases + invalidCases)
    func parsesAndPrints(_ testCase: AddressCase) {
        let address = IPAddress(testCase.text)
        #expect(address?.description == testCase.canonical)
        if testCase.canonical != nil {
            #expect(address?.bytes == testCase.bytes)
            #expect(address?.isIPv6 == (testCase.bytes.count == 16))
        }
    }

    @Test func initFromBytesNeedsFourOrSixteen() {
        #expect(IPAddress(bytes: [10, 0, 0, 1]) == IPAddress("10.0.0.1"))
        #expect(IPAddress(bytes: [0xfd] + Array(repeating: 0, count: 14) + [1]) == IPAddress("fd00::1"))
        #expect(IPAddress(bytes: [10, 0, 0]) == nil)
        #expect(IPAddress(bytes: Array(repeating: 0, count: 5)) == nil)
        #expect(IPAddress(bytes: []) == nil)
    }

    @Test func familiesStayDistinct() {
        // The IPv4 address and the IPv4-compatible IPv6 address with the same low bytes differ.
        #expect(IPAddress("10.0.0.1") != IPAddress("::10.0.0.1"))
        #expect(IPAddress("0.0.0.0") != IPAddress("::"))
    }

    @Test func ordersIPv4BeforeIPv6ThenByValue() throws {
        let texts = ["fd00::1", "10.0.0.2", "::1", "9.255.255.255", "10.0.0.10"]
        let sorted = try texts.map { try #require(IPAddress($0)) }.sorted().map(\.description)
        #expect(sorted == ["9.255.255.255", "10.0.0.2", "10.0.0.10", "::1", "fd00::1"])
    }

    // MARK: - CIDR

    struct CIDRParseCase: Sendable, CustomTestStringConvertible {
        var text: String
        var canonical: String?
        var testDescription: String { text }
    }

    static let cidrParseCases: [CIDRParseCase] = [
        CIDRParseCase(text: "10.0.0.0/8", canonical: "10.0.0.0/8"),
        CIDRParseCase(text: "10.1.2.3/8", canonical: "10.0.0.0/8"),
        CIDRParseCase(text: "192.168.1.77/23", canonical: "192.168.0.0/23"),
        CIDRParseCase(text: "10.0.0.1", canonical: "10.0.0.1/32"),
        CIDRParseCase(text: "0.0.0.0/0", canonical: "0.0.0.0/0"),
        CIDRParseCase(text: "8.8.8.8/0", canonical: "0.0.0.0/0"),
        CIDRParseCase(text: "fd00::1", canonical: "fd00::1/128"),
        CIDRParseCase(text: "fd12:3456::1/8", canonical: "fd00::/8"),
        CIDRParseCase(text: "2001:db8:ffff::/33", canonical: "2001:db8:8000::/33"),
        CIDRParseCase(text: "::/0", canonical: "::/0"),
        CIDRParseCase(text: "10.0.0.0/33", canonical: nil),
        CIDRParseCase(text: "fd00::/129", canonical: nil),
        CIDRParseCase(text: "10.0.0.0/-1", canonical: nil),
        CIDRParseCase(text: "10.0.0.0/+8", canonical: nil),
        CIDRParseCase(text: "10.0.0.0/", canonical: nil),
        CIDRParseCase(text: "10.0.0.0/8/8", canonical: nil),
        CIDRParseCase(text: "10.0.0/8", canonical: nil),
        CIDRParseCase(text: "/8", canonical: nil),
    ]

    @Test(arguments: cidrParseCases)
    func parsesCIDR(_ testCase: CIDRParseCase) {
        #expect(CIDR(testCase.text)?.description == testCase.canonical)
    }

    struct ContainsCase: Sendable, CustomTestStringConvertible {
        var cidr: String
        var address: String
        var contains: Bool
        var testDescription: String { "\(cidr) ∋ \(address)" }
    }

    static let containsCases: [ContainsCase] = [
        ContainsCase(cidr: "10.0.0.0/8", address: "10.255.3.4", contains: true),
        ContainsCase(cidr: "10.0.0.0/8", address: "11.0.0.0", contains: false),
        ContainsCase(cidr: "10.0.0.0/8", address: "9.255.255.255", contains: false),
        ContainsCase(cidr: "0.0.0.0/0", address: "203.0.113.9", contains: true),
        ContainsCase(cidr: "0.0.0.0/0", address: "255.255.255.255", contains: true),
        ContainsCase(cidr: "10.0.0.1/32", address: "10.0.0.1", contains: true),
        ContainsCase(cidr: "10.0.0.1/32", address: "10.0.0.2", contains: false),
        ContainsCase(cidr: "10.0.0.0/31", address: "10.0.0.1", contains: true),
        ContainsCase(cidr: "10.0.0.0/31", address: "10.0.0.2", contains: false),
        ContainsCase(cidr: "192.168.0.0/23", address: "192.168.1.255", contains: true),
        ContainsCase(cidr: "192.168.0.0/23", address: "192.168.2.0", contains: false),
        ContainsCase(cidr: "fd00::/8", address: "fdff:1::1", contains: true),
        ContainsCase(cidr: "fd00::/8", address: "fe00::1", contains: false),
        ContainsCase(cidr: "2001:db8::/32", address: "2001:db8:ffff::1", contains: true),
        ContainsCase(cidr: "2001:db8::/32", address: "2001:db9::", contains: false),
        ContainsCase(cidr: "2001:db8::/33", address: "2001:db8:7fff::1", contains: true),
        ContainsCase(cidr: "2001:db8::/33", address: "2001:db8:8000::", contains: false),
        ContainsCase(cidr: "2001:db8::1/128", address: "2001:db8::1", contains: true),
        ContainsCase(cidr: "2001:db8::1/128", address: "2001:db8::2", contains: false),
        ContainsCase(cidr: "::/0", address: "::1", contains: true),
        ContainsCase(cidr: "::/0", address: "1.2.3.4", contains: false),
        ContainsCase(cidr: "0.0.0.0/0", address: "::1", contains: false),
        ContainsCase(cidr: "10.0.0.0/8", address: "::ffff:10.0.0.1", contains: false),
        ContainsCase(cidr: "::ffff:0:0/96", address: "10.0.0.1", contains: false),
    ]

    @Test(arguments: containsCases)
    func cidrContains(_ testCase: ContainsCase) throws {
        let cidr = try #require(CIDR(testCase.cidr))
        let address = try #require(IPAddress(testCase.address))
        #expect(cidr.contains(address) == testCase.contains)
    }

    @Test func prefixFromAddressClearsHostBits() throws {
        let address = try #require(IPAddress("172.16.201.9"))
        #expect(CIDR(address: address, prefixLength: 12).description == "172.16.0.0/12")
        #expect(CIDR(address: address, prefixLength: 20).network == IPAddress("172.16.192.0"))
        #expect(CIDR(address: address, prefixLength: 32).network == address)
    }
}
