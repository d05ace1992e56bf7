import FlowlogModel

// Layer 4: `{"TCP":{"source_port":…,"destination_port":…,"flags":{…}}}`, UDP, SCTP, and ICMP's
// type and code (kept in the port fields).
extension FlowDecoder {
    func layer4(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Layer4 {
        var result = Layer4()
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            guard let proto = L4Protocol.allCases.first(where: { $0 != .none && $0.jsonKey.utf8.elementsEqual(key) })
                ?? L4Protocol.allCases.first(where: { $0 != .none && keyEqualsIgnoringCase(key, $0.jsonKey) })
            else { return .skip }
            result = try layer4Member(&scanner, proto)
            return .read
        }
        return result
    }

    private func layer4Member(_ scanner: inout JSONScanner, _ proto: L4Protocol) throws(JSONDecodingProblem) -> Layer4 {
        var result = Layer4(proto: proto)
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            if proto.hasPorts {
                if keyMatches(key, "sourceport") {
                    result.sourcePort = UInt16(try scanner.integer(in: 0...65535))
                } else if keyMatches(key, "destinationport") {
                    result.destinationPort = UInt16(try scanner.integer(in: 0...65535))
                } else if proto == .tcp, keyMatches(key, "flags") {
                    result.tcpFlags = try tcpFlags(&scanner)
                } else {
                    return .skip
                }
            } else if keyMatches(key, "type") {
                result.sourcePort = UInt16(try scanner.integer(in: 0...255))
            } else if keyMatches(key, "code") {
                result.destinationPort = UInt16(try scanner.integer(in: 0...255))
            } else {
                return .skip
            }
            return .read
        }
        return result
    }

    private func tcpFlags(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> TCPFlags {
        var flags: TCPFlags = []
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            guard let match = TCPFlags.names.first(where: { keyEqualsIgnoringCase(key, $0.name) }) else { return .skip }
            if try scanner.boolean() { flags.insert(match.flag) }
            return .read
        }
        return flags
    }
}

/// Whether `key` is `name` up to ASCII case. An index loop over the UTF-8 view: `zip` over the
/// two sequences was not inlined here and cost about 1% of decoding.
private func keyEqualsIgnoringCase(_ key: UnsafeRawBufferPointer, _ name: String) -> Bool {
    let name = name.utf8
    guard key.count == name.count else { return false }
    var offset = 0
    for byte in name {
        let other = key[offset]
        guard (other >= 65 && other <= 90 ? other + 32 : other) == (byte >= 65 && byte <= 90 ? byte + 32 : byte) else { return false }
        offset += 1
    }
    return true
}
