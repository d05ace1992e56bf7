#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, held as its 4 or 16 network-order bytes.
///
/// Addresses are stored in this binary form (a 4- or 16-byte blob) so they are compact and so a
/// CIDR is a byte-range test.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address bytes in network order: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Creates an address from its network-order bytes; nil unless there are 4 or 16 of them.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses the textual form (`10.0.0.1`, `fd00::1`); calls `inet_pton`.
    public init?(_ text: String) {
        var text = text
        let parsed: IPAddress? = text.withUTF8 { IPAddress(utf8: UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses the textual form from UTF-8 bytes without allocating a string; calls `inet_pton`.
    init?(utf8: UnsafeRawBufferPointer) {
        // The longest textual IPv6 address (with an embedded IPv4 part) is 45 characters.
        guard utf8.count > 0, utf8.count <= 45 else { return nil }
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var result = [UInt8](repeating: 0, count: 16)
        let isV6 = utf8.contains(UInt8(ascii: ":"))
        let ok: Bool = withUnsafeMutableBytes(of: &buffer) { raw in
            raw.copyMemory(from: utf8)
            raw[utf8.count] = 0
            let cString = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            return result.withUnsafeMutableBytes { out in
                inet_pton(isV6 ? AF_INET6 : AF_INET, cString, out.baseAddress) == 1
            }
        }
        guard ok else { return nil }
        bytes = isV6 ? result : Array(result[0..<4])
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool { bytes.count == 16 }

    /// The canonical textual form; calls `inet_ntop`.
    public var description: String {
        var out = [CChar](repeating: 0, count: 64)
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(isIPv6 ? AF_INET6 : AF_INET, raw.baseAddress, &out, socklen_t(out.count)) != nil
        }
        guard ok else { return bytes.map { String($0) }.joined(separator: ".") }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.bytes.count != rhs.bytes.count { return lhs.bytes.count < rhs.bytes.count }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// An address prefix such as `203.0.113.0/24` or `fd00::/8`.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address with host bits cleared.
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/length`; a bare address is a host prefix (/32 or /128).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let maxLength = address.bytes.count * 8
        let length: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parsed >= 0, parsed <= maxLength,
                  parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            length = parsed
        } else {
            length = maxLength
        }
        self.init(address: address, prefixLength: length)
    }

    /// Creates the prefix of `address` that is `prefixLength` bits long (host bits are cleared).
    public init(address: IPAddress, prefixLength: Int) {
        var bytes = address.bytes
        for index in bytes.indices {
            let bitsBefore = index * 8
            if bitsBefore >= prefixLength {
                bytes[index] = 0
            } else if bitsBefore + 8 > prefixLength {
                bytes[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - (prefixLength - bitsBefore)))
            }
        }
        network = IPAddress(bytes: bytes) ?? address
        self.prefixLength = prefixLength
    }

    /// Whether `address` lies inside this prefix (always false across address families).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        return CIDR(address: address, prefixLength: prefixLength).network == network
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
