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
    // The 16 address bytes as two big-endian words; an IPv4 address uses the low 4 bytes of `low`.
    private let high: UInt64
    private let low: UInt64
    /// Whether this is an IPv6 address.
    public let isIPv6: Bool

    /// The address bytes in network order: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        if !isIPv6 { return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * UInt64($0))) } }
        return (0..<16).map { index in
            let word = index < 8 ? high : low
            return UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(index % 8)))
        }
    }

    init(high: UInt64, low: UInt64, isIPv6: Bool) {
        self.high = high
        self.low = isIPv6 ? low : low & 0xFFFF_FFFF
        self.isIPv6 = isIPv6
    }

    /// The address as two big-endian words (an IPv4 address in the low 32 bits of `low`).
    var words: (high: UInt64, low: UInt64) { (high, low) }

    /// Calls `body` with the network-order bytes, without allocating.
    package func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        var words = (high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &words) { raw throws(E) in try body(isIPv6 ? raw : UnsafeRawBufferPointer(rebasing: raw[12..<16])) }
    }

    /// Creates an address from its network-order bytes; nil unless there are 4 or 16 of them.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if bytes.count == 16 && index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
        isIPv6 = bytes.count == 16
    }

    /// Parses the textual form (`10.0.0.1`, `fd00::1`).
    public init?(_ text: String) {
        var text = text
        let parsed: IPAddress? = text.withUTF8 { IPAddress(utf8: UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses the textual form from UTF-8 bytes: dotted IPv4 directly, IPv6 through `inet_pton`.
    package init?(utf8: UnsafeRawBufferPointer) {
        guard utf8.count > 0, utf8.count <= 45 else { return nil }
        if !utf8.contains(UInt8(ascii: ":")) {
            guard let value = IPAddress.parseIPv4(utf8) else { return nil }
            high = 0
            low = UInt64(value)
            isIPv6 = false
            return
        }
        // The longest textual IPv6 address (with an embedded IPv4 part) is 45 characters.
        var text = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var result = (UInt64(0), UInt64(0))
        let ok: Bool = withUnsafeMutableBytes(of: &text) { raw in
            raw.copyMemory(from: utf8)
            raw[utf8.count] = 0
            return withUnsafeMutableBytes(of: &result) { out in
                inet_pton(AF_INET6, raw.baseAddress!.assumingMemoryBound(to: CChar.self), out.baseAddress) == 1
            }
        }
        guard ok else { return nil }
        high = UInt64(bigEndian: result.0)
        low = UInt64(bigEndian: result.1)
        isIPv6 = true
    }

    /// Strict dotted-quad IPv4: four decimal parts 0–255, no leading zeros.
    private static func parseIPv4(_ utf8: UnsafeRawBufferPointer) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        var leadingZero = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
                continue
            }
            guard byte >= 48, byte <= 57 else { return nil }
            if digits == 1 && leadingZero { return nil }
            if digits == 0 { leadingZero = byte == 48 }
            part = part * 10 + UInt32(byte - 48)
            digits += 1
            guard part <= 255 else { return nil }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    /// The canonical textual form; calls `inet_ntop` for IPv6.
    public var description: String {
        guard isIPv6 else {
            return (0..<4).map { String(UInt8(truncatingIfNeeded: low >> (24 - 8 * UInt64($0)))) }.joined(separator: ".")
        }
        var out = [CChar](repeating: 0, count: 64)
        var network = (high.bigEndian, low.bigEndian)
        let ok = withUnsafeBytes(of: &network) { raw in
            inet_ntop(AF_INET6, raw.baseAddress, &out, socklen_t(out.count)) != nil
        }
        guard ok else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.isIPv6 ? 1 : 0, lhs.high, lhs.low) < (rhs.isIPv6 ? 1 : 0, rhs.high, rhs.low)
    }
}

/// An address prefix such as `203.0.113.0/24` or `fd00::/8`.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address with host bits cleared.
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/length`; a bare address is a host prefix (/32 or /128).
    public init?(_ text: String) {
        let slash = text.firstIndex(of: "/")
        guard let address = IPAddress(String(text[..<(slash ?? text.endIndex)])) else { return nil }
        let maxLength = address.isIPv6 ? 128 : 32
        var length = maxLength
        if let slash {
            let digits = text[text.index(after: slash)...]
            guard !digits.isEmpty, digits.utf8.count <= 3, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let parsed = Int(digits), parsed <= maxLength else { return nil }
            length = parsed
        }
        self.init(address: address, prefixLength: length)
    }

    /// Creates the prefix of `address` that is `prefixLength` bits long (host bits are cleared).
    public init(address: IPAddress, prefixLength: Int) {
        let bits = address.isIPv6 ? 128 : 32
        let length = max(0, min(prefixLength, bits))
        let (high, low) = address.words
        let (maskHigh, maskLow) = CIDR.mask(length: address.isIPv6 ? length : 96 + length)
        network = IPAddress(high: high & maskHigh, low: low & maskLow, isIPv6: address.isIPv6)
        self.prefixLength = length
    }

    /// A 128-bit mask with the first `length` bits set, as two words.
    private static func mask(length: Int) -> (UInt64, UInt64) {
        func word(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? UInt64.max : ~(UInt64.max >> UInt64(bits)) }
        return (word(length), word(length - 64))
    }

    /// Whether `address` lies inside this prefix (always false across address families).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv6 == network.isIPv6 else { return false }
        let (maskHigh, maskLow) = CIDR.mask(length: address.isIPv6 ? prefixLength : 96 + prefixLength)
        let (high, low) = address.words
        let (networkHigh, networkLow) = network.words
        return high & maskHigh == networkHigh && low & maskLow == networkLow
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
