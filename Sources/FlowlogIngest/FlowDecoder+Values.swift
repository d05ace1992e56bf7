import FlowlogModel
import FlowlogStore

// The Flow's smaller values: times, enums, addresses, the event type, policy lists, and the
// lost-events record.
extension FlowDecoder {
    // MARK: - Scalars

    func timestamp(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Timestamp {
        if try scanner.consumeNull() { return Timestamp(rawValue: 0) }
        let span = try scanner.stringSpan()
        guard let time = Timestamp.parse(scanner.raw(span)) else {
            throw JSONDecodingProblem(path: [], message: "expected an RFC 3339 time", column: span.start)
        }
        return time
    }

    /// An enum written as its name (looked up in `names`) or as a number.
    func enumValue(_ scanner: inout JSONScanner, _ names: [EnumName]) throws(JSONDecodingProblem) -> Int64 {
        scanner.skipWhitespace()
        guard scanner.current == UInt8(ascii: "\"") else {
            if scanner.current == UInt8(ascii: "-") || (scanner.current >= 48 && scanner.current <= 57) {
                return try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max))
            }
            if try scanner.consumeNull() { return 0 }
            throw scanner.mismatch("an enum name or number")
        }
        let span = try scanner.stringSpan()
        let raw = scanner.raw(span)
        for name in names where name.bytes.count == raw.count {
            if name.bytes.withUnsafeBytes({ $0.elementsEqual(raw) }) { return Int64(name.code) }
        }
        var digits = JSONScanner(raw)
        if let number = try? digits.integer(in: Int64(Int32.min)...Int64(Int32.max)), digits.index == raw.count {
            return number
        }
        throw JSONDecodingProblem(path: [], message: "unknown enum name \"\(scanner.makeString(span))\"", column: span.start)
    }

    func cachedString(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> String {
        try scanner.optionalString()
    }

    // MARK: - Objects

    func decodeIP(_ scanner: inout JSONScanner, into flow: inout Flow) throws(JSONDecodingProblem) {
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            if keyMatches(key, "source") {
                flow.sourceIP = try address(&scanner)
            } else if keyMatches(key, "destination") {
                flow.destinationIP = try address(&scanner)
            } else {
                return .skip
            }
            return .read
        }
    }

    private func address(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> IPAddress? {
        if try scanner.consumeNull() { return nil }
        scanner.skipWhitespace()
        let span = try scanner.stringSpan()
        if span.count == 0 { return nil }
        guard let address = IPAddress(utf8: scanner.raw(span)) else {
            throw JSONDecodingProblem(path: [], message: "expected an IP address", column: span.start)
        }
        return address
    }

    func decodeEventType(_ scanner: inout JSONScanner, into flow: inout Flow) throws(JSONDecodingProblem) {
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            if keyMatches(key, "type") {
                flow.eventType = Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
            } else if keyMatches(key, "subtype") {
                flow.eventSubType = Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
            } else {
                return .skip
            }
            return .read
        }
    }

    func decodeLostEvents(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> LostEvents {
        var lost = LostEvents()
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            if keyMatches(key, "source") {
                scanner.skipWhitespace()
                if scanner.current == UInt8(ascii: "\"") {
                    lost.source = try scanner.string()
                } else {
                    lost.source = String(try scanner.integer(in: 0...Int64(Int32.max)))
                }
            } else if keyMatches(key, "numeventslost") {
                lost.count = try scanner.integer(in: 0...Int64.max)
            } else if keyMatches(key, "cpu") {
                if try scanner.consumeNull() { return .read }
                lost.cpu = Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
            } else {
                return .skip
            }
            return .read
        }
        return lost
    }

    /// `aggregate` (proto field 21007, on exporter-aggregated flows): the record stands for the
    /// sum of `ingress_flow_count`, `egress_flow_count` and `unknown_direction_flow_count`
    /// (each a uint32; any may be missing). A missing, `null` or all-zero object means one flow.
    /// A count that is not a uint32, or a sum above `UInt32.max`, is a problem of the line:
    /// a weight that cannot be stored exactly is refused rather than clipped.
    func aggregateWeight(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> UInt32 {
        scanner.skipWhitespace()
        let column = scanner.index + 1
        // One slot per count, so a repeated key replaces its value as in any JSON object.
        var counts: (ingress: Int64, egress: Int64, unknown: Int64) = (0, 0, 0)
        guard try scanner.forEachMember({ key, scanner throws(JSONDecodingProblem) in
            if keyMatches(key, "ingressflowcount") {
                counts.ingress = try scanner.integer(in: 0...Int64(UInt32.max))
            } else if keyMatches(key, "egressflowcount") {
                counts.egress = try scanner.integer(in: 0...Int64(UInt32.max))
            } else if keyMatches(key, "unknowndirectionflowcount") {
                counts.unknown = try scanner.integer(in: 0...Int64(UInt32.max))
            } else {
                return .skip
            }
            return .read
        }) else { return 1 }
        let total = counts.ingress + counts.egress + counts.unknown
        guard total <= Int64(UInt32.max) else {
            throw JSONDecodingProblem(path: [], message: "aggregate flow counts sum to \(total), more than \(UInt32.max)", column: column)
        }
        return total == 0 ? 1 : UInt32(total)
    }

    // MARK: - Arrays

    /// `source_names` / `destination_names`: a list of DNS names, or `null`. Empty strings are
    /// skipped. A list longer than ``Flow/maxNamesPerSide``, a name longer than
    /// ``Flow/maxNameLength`` bytes, or one with a control character (NUL included) is a problem
    /// of the line, reported with its column.
    func dnsNames(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [String] {
        var names: [String] = []
        try scanner.forEachElement { _, scanner throws(JSONDecodingProblem) in
            scanner.skipWhitespace()
            let column = scanner.index + 1
            guard scanner.current == UInt8(ascii: "\"") else { throw scanner.mismatch("a DNS name (a string)") }
            let name = try scanner.string()
            guard !name.isEmpty else { return }
            guard names.count < Flow.maxNamesPerSide else {
                throw JSONDecodingProblem(path: [], message: "more than \(Flow.maxNamesPerSide) DNS names", column: column)
            }
            guard name.utf8.count <= Flow.maxNameLength else {
                throw JSONDecodingProblem(path: [], message: "a DNS name longer than \(Flow.maxNameLength) bytes", column: column)
            }
            guard !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw JSONDecodingProblem(path: [], message: "a DNS name with a control character", column: column)
            }
            names.append(name)
        }
        return names
    }

    func policyList(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [PolicyReference] {
        var result: [PolicyReference] = []
        try scanner.forEachElement { _, scanner throws(JSONDecodingProblem) in
            var reference = PolicyReference(name: "")
            guard try scanner.forEachMember({ key, scanner throws(JSONDecodingProblem) in
                if keyMatches(key, "name") {
                    reference.name = try scanner.optionalString()
                } else if keyMatches(key, "namespace") {
                    reference.namespace = try scanner.optionalString()
                } else if keyMatches(key, "kind") {
                    reference.kind = try scanner.optionalString()
                } else {
                    return .skip
                }
                return .read
            }) else { return }
            result.append(reference)
        }
        return result
    }
}

/// An enum name as UTF-8 bytes, and its number.
struct EnumName {
    var bytes: [UInt8]
    var code: Int32

    init(_ name: String, _ code: Int32) {
        bytes = Array(name.utf8)
        self.code = code
    }
}

/// Name tables for the enums the decoder reads, built once.
enum EnumNames {
    static let verdict = Verdict.allCases.map { EnumName($0.name, $0.code) }
    static let trafficDirection = TrafficDirection.allCases.map { EnumName($0.name, $0.rawValue) }
    static let flowType = FlowType.allCases.map { EnumName($0.name, $0.rawValue) }
    static let tracePoint = TraceObservationPoint.names.map { EnumName($0.name, $0.code) }
    static let dropReason = DropReason.table.sorted { $0.key < $1.key }.map { EnumName($0.value.name, $0.key) }
}
