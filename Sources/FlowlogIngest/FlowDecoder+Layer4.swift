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

private func keyEqualsIgnoringCase(_ key: UnsafeRawBufferPointer, _ name: String) -> Bool {
    guard key.count == name.utf8.count else { return false }
    return zip(key, name.utf8).allSatisfy { a, b in
        (a >= 65 && a <= 90 ? a + 32 : a) == (b >= 65 && b <= 90 ? b + 32 : b)
    }
}
