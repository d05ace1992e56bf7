import FlowlogModel
import FlowlogStore
/// Decodes one line of Hubble JSON into a ``HubbleRecord``.
///
/// Accepts what `hubble observe -o json` prints and what the Hubble exporter writes
/// (`{"flow":{…},"node_name":…,"time":…}`), legacy bare Flow objects, both proto3 key spellings
/// (`node_name` / `nodeName`), 64-bit integers as numbers or strings, and enums as names or
/// numbers. Unknown keys are skipped. This is the one flow decoder: ingest, evaluate and the tests
/// all use it.
///
/// The decoder keeps a bounded cache of endpoint objects it has seen, keyed by their exact bytes,
/// so an endpoint repeated across lines is decoded once. A decoder is not shared between threads.
public struct FlowDecoder {
    private var endpointCache = RawBytesCache<Endpoint>(capacity: 2048)
    private let maxLineBytes: Int

    /// - Parameter maxLineBytes: the longest line ingest reads. A flow whose JSON line (as
    ///   `observe -o json` writes it) could be longer is refused, so every stored flow can be
    ///   exported and read back.
    public init(maxLineBytes: Int = IngestOptions().maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Decodes one line (without its newline).
    /// - Throws: ``JSONDecodingProblem`` naming the field path and the column of the problem.
    public mutating func decode(_ line: UnsafeRawBufferPointer) throws(JSONDecodingProblem) -> HubbleRecord {
        if let offset = firstInvalidUTF8Offset(line) {
            throw JSONDecodingProblem(path: [], message: "invalid UTF-8", column: offset + 1)
        }
        var scanner = JSONScanner(line)
        var bare = Flow()
        var wrapped: Flow?
        var lost: LostEvents?
        var other: NonFlowKind?
        var bareLost: LostEvents?
        var sawFlowField = false
        guard try scanner.beginObject() else { throw scanner.problem("expected an object, found null") }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
                if keyMatches(key, "flow") {
                    var flow = Flow()
                    guard try decodeFlowObject(&scanner, into: &flow) else { continue }
                    wrapped = flow
                } else if keyMatches(key, "lostevents") {
                    lost = try decodeLostEvents(&scanner)
                } else if keyMatches(key, "nodestatus") {
                    try scanner.skipValue()
                    other = .nodeStatus
                } else if keyMatches(key, "agentevent") {
                    try scanner.skipValue()
                    other = .agentEvent
                } else if keyMatches(key, "debugevent") {
                    try scanner.skipValue()
                    other = .debugEvent
                } else if keyMatches(key, "numeventslost") || keyMatches(key, "cpu")
                            || (keyMatches(key, "source") && scanner.peekIsString()) {
                    // A legacy bare LostEvent (HUBBLE_COMPAT=legacy-json-output) has these at the top.
                    var event = bareLost ?? LostEvents()
                    if keyMatches(key, "numeventslost") {
                        event.count = try scanner.integer(in: 0...Int64.max)
                    } else if keyMatches(key, "cpu") {
                        event.cpu = try scanner.consumeNull() ? nil : Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
                    } else {
                        event.source = try scanner.string()
                    }
                    bareLost = event
                } else if try decodeFlowField(key, &scanner, into: &bare) {
                    if !keyMatches(key, "time") && !keyMatches(key, "nodename") { sawFlowField = true }
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        try scanner.expectEnd()
        if var flow = wrapped {
            // The wrapper's time and node_name equal the flow's; they fill in when the flow lacks them.
            if flow.time.rawValue == 0 { flow.time = bare.time }
            if flow.nodeName.isEmpty { flow.nodeName = bare.nodeName }
            return try exportable(flow, lineLength: line.count)
        }
        if var lost {
            lost.time = bare.time
            lost.nodeName = bare.nodeName
            return .lostEvents(lost)
        }
        if let other { return .other(other) }
        if sawFlowField { return try exportable(bare, lineLength: line.count) }
        if var lost = bareLost {
            lost.time = bare.time
            lost.nodeName = bare.nodeName
            return .lostEvents(lost)
        }
        throw JSONDecodingProblem(path: [], message: "not a Hubble record: no flow, lost_events, node_status, agent_event or debug_event", column: 1)
    }

    /// `flow`, unless its JSON line could be longer than ``maxLineBytes``. An escaped character
    /// takes at most six bytes and a decoded string is never longer than its JSON text; only the
    /// node name is written twice and the other fields take under 4 KiB. So a line up to a
    /// sixteenth of the limit (64 KiB by default; real Hubble lines are 1–3 KB) always fits, and
    /// only longer ones pay for measuring.
    private func exportable(_ flow: Flow, lineLength: Int) throws(JSONDecodingProblem) -> HubbleRecord {
        if lineLength > maxLineBytes / 16, flow.jsonLineLengthBound > maxLineBytes {
            throw JSONDecodingProblem(
                path: ["flow"],
                message: "as a JSON line (observe -o json) this flow would be longer than the \(maxLineBytes)-byte line limit, so it could not be read back",
                column: 1)
        }
        return .flow(flow)
    }

    /// Decodes one line given as a string (a convenience for tests and single records).
    public mutating func decode(_ line: String) throws(JSONDecodingProblem) -> HubbleRecord {
        var line = line
        let result: Result<HubbleRecord, JSONDecodingProblem> = line.withUTF8 { buffer in
            Result { () throws(JSONDecodingProblem) in try decode(UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }

    // MARK: - Flow

    /// Decodes a Flow object; returns false when the value was `null`.
    private mutating func decodeFlowObject(_ scanner: inout JSONScanner, into flow: inout Flow) throws(JSONDecodingProblem) -> Bool {
        guard try scanner.beginObject() else { return false }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            do throws(JSONDecodingProblem) {
                _ = try decodeFlowField(scanner.raw(keySpan), &scanner, into: &flow)
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        return true
    }

    /// Decodes the value of one Flow key into `flow`; skips keys flowlog does not use.
    /// Returns whether the key was a known Flow field.
    private mutating func decodeFlowField(_ key: UnsafeRawBufferPointer, _ scanner: inout JSONScanner,
                                          into flow: inout Flow) throws(JSONDecodingProblem) -> Bool {
        switch keyInitial(key) {
        case UInt8(ascii: "t"):
            if keyMatches(key, "time") {
                flow.time = try timestamp(&scanner)
            } else if keyMatches(key, "trafficdirection") {
                flow.trafficDirection = TrafficDirection(rawValue: Int32(try enumValue(&scanner, EnumNames.trafficDirection))) ?? .unknown
            } else if keyMatches(key, "traceobservationpoint") {
                flow.traceObservationPoint = Int32(try enumValue(&scanner, EnumNames.tracePoint))
            } else if keyMatches(key, "type") {
                let code = try enumValue(&scanner, EnumNames.flowType)
                flow.flowType = FlowType(rawValue: Int32(code)) ?? .unknown
            } else {
                try scanner.skipValue()
                return false
            }
        case UInt8(ascii: "u"):
            guard keyMatches(key, "uuid") else { try scanner.skipValue(); return false }
            if try scanner.consumeNull() { return true }
            let span = try scanner.stringSpan()
            guard span.count > 0 else { return true }
            guard let uuid = FlowUUID(utf8: scanner.raw(span)) else {
                throw JSONDecodingProblem(path: [], message: "expected a UUID (8-4-4-4-12 hex digits)", column: span.start)
            }
            flow.uuid = uuid
        case UInt8(ascii: "v"):
            guard keyMatches(key, "verdict") else { try scanner.skipValue(); return false }
            flow.verdict = Verdict(code: Int32(try enumValue(&scanner, EnumNames.verdict)))
        case UInt8(ascii: "d"):
            if keyMatches(key, "dropreasondesc") {
                flow.dropReason = DropReason(rawValue: Int32(try enumValue(&scanner, EnumNames.dropReason)))
            } else if keyMatches(key, "dropreason") {
                let code = Int32(try scanner.integer(in: 0...Int64(UInt32.max)) & 0x7FFF_FFFF)
                // The deprecated number is a fallback for when drop_reason_desc is absent.
                if flow.dropReason == .unknown { flow.dropReason = DropReason(rawValue: code) }
            } else if keyMatches(key, "destination") {
                flow.destination = try endpoint(&scanner)
            } else {
                try scanner.skipValue()
                return false
            }
        case UInt8(ascii: "s"):
            if keyMatches(key, "source") {
                flow.source = try endpoint(&scanner)
            } else if keyMatches(key, "summary") {
                flow.summary = try cachedString(&scanner)
            } else {
                try scanner.skipValue()
                return false
            }
        case UInt8(ascii: "i"):
            if keyMatches(key, "ip") {
                try decodeIP(&scanner, into: &flow)
            } else if keyMatches(key, "isreply") {
                if try scanner.consumeNull() { return true }
                flow.isReply = try scanner.boolean()
            } else if keyMatches(key, "ingressallowedby") {
                flow.policies.ingressAllowedBy = try policyList(&scanner)
            } else if keyMatches(key, "ingressdeniedby") {
                flow.policies.ingressDeniedBy = try policyList(&scanner)
            } else {
                try scanner.skipValue()
                return false
            }
        case UInt8(ascii: "e"):
            if keyMatches(key, "eventtype") {
                try decodeEventType(&scanner, into: &flow)
            } else if keyMatches(key, "egressallowedby") {
                flow.policies.egressAllowedBy = try policyList(&scanner)
            } else if keyMatches(key, "egressdeniedby") {
                flow.policies.egressDeniedBy = try policyList(&scanner)
            } else {
                try scanner.skipValue()
                return false
            }
        case UInt8(ascii: "l"):
            guard keyMatches(key, "l4") else { try scanner.skipValue(); return false }
            flow.l4 = try layer4(&scanner)
        case UInt8(ascii: "n"):
            guard keyMatches(key, "nodename") else { try scanner.skipValue(); return false }
            flow.nodeName = try cachedString(&scanner)
        case UInt8(ascii: "p"):
            guard keyMatches(key, "policymatchtype") else { try scanner.skipValue(); return false }
            flow.policyMatchType = Int32(try scanner.integer(in: 0...Int64(UInt32.max)) & 0x7FFF_FFFF)
        case UInt8(ascii: "r"):
            guard keyMatches(key, "reply") else { try scanner.skipValue(); return false }
            // Deprecated `reply` only appears when true; `is_reply` wins when both are present.
            if try scanner.boolean(), flow.isReply == nil { flow.isReply = true }
        default:
            try scanner.skipValue()
            return false
        }
        return true
    }

    // MARK: - Parts

    private func timestamp(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Timestamp {
        if try scanner.consumeNull() { return Timestamp(rawValue: 0) }
        let span = try scanner.stringSpan()
        guard let time = Timestamp.parse(scanner.raw(span)) else {
            throw JSONDecodingProblem(path: [], message: "expected an RFC 3339 time", column: span.start)
        }
        return time
    }

    /// An enum written as its name (looked up in `names`) or as a number.
    private func enumValue(_ scanner: inout JSONScanner, _ names: [EnumName]) throws(JSONDecodingProblem) -> Int64 {
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

    private func cachedString(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> String {
        try scanner.optionalString()
    }

    private func decodeIP(_ scanner: inout JSONScanner, into flow: inout Flow) throws(JSONDecodingProblem) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
                if keyMatches(key, "source") {
                    flow.sourceIP = try address(&scanner)
                } else if keyMatches(key, "destination") {
                    flow.destinationIP = try address(&scanner)
                } else {
                    try scanner.skipValue()
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
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

    private func decodeEventType(_ scanner: inout JSONScanner, into flow: inout Flow) throws(JSONDecodingProblem) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
                if keyMatches(key, "type") {
                    flow.eventType = Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
                } else if keyMatches(key, "subtype") {
                    flow.eventSubType = Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
                } else {
                    try scanner.skipValue()
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
    }

    private func layer4(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Layer4 {
        var result = Layer4()
        guard try scanner.beginObject() else { return result }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            guard let proto = L4Protocol.allCases.first(where: { $0 != .none && $0.jsonKey.utf8.elementsEqual(key) })
                ?? L4Protocol.allCases.first(where: { $0 != .none && keyEqualsIgnoringCase(key, $0.jsonKey) })
            else {
                try scanner.skipValue()
                continue
            }
            do throws(JSONDecodingProblem) {
                result = try layer4Member(&scanner, proto)
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        return result
    }

    private func layer4Member(_ scanner: inout JSONScanner, _ proto: L4Protocol) throws(JSONDecodingProblem) -> Layer4 {
        var result = Layer4(proto: proto)
        guard try scanner.beginObject() else { return result }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
                if proto.hasPorts {
                    if keyMatches(key, "sourceport") {
                        result.sourcePort = UInt16(try scanner.integer(in: 0...65535))
                    } else if keyMatches(key, "destinationport") {
                        result.destinationPort = UInt16(try scanner.integer(in: 0...65535))
                    } else if proto == .tcp, keyMatches(key, "flags") {
                        result.tcpFlags = try tcpFlags(&scanner)
                    } else {
                        try scanner.skipValue()
                    }
                } else if keyMatches(key, "type") {
                    result.sourcePort = UInt16(try scanner.integer(in: 0...255))
                } else if keyMatches(key, "code") {
                    result.destinationPort = UInt16(try scanner.integer(in: 0...255))
                } else {
                    try scanner.skipValue()
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        return result
    }

    private func tcpFlags(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> TCPFlags {
        var flags: TCPFlags = []
        guard try scanner.beginObject() else { return flags }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
                if let match = TCPFlags.names.first(where: { keyEqualsIgnoringCase(key, $0.name) }) {
                    if try scanner.boolean() { flags.insert(match.flag) }
                } else {
                    try scanner.skipValue()
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        return flags
    }

    private func decodeLostEvents(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> LostEvents {
        var lost = LostEvents()
        guard try scanner.beginObject() else { return lost }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
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
                    if try scanner.consumeNull() { continue }
                    lost.cpu = Int32(try scanner.integer(in: Int64(Int32.min)...Int64(Int32.max)))
                } else {
                    try scanner.skipValue()
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        return lost
    }

    private func policyList(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [PolicyReference] {
        var result: [PolicyReference] = []
        guard try scanner.beginArray() else { return result }
        var first = true
        var position = 0
        while try scanner.nextElement(first: &first) {
            do throws(JSONDecodingProblem) {
                guard try scanner.beginObject() else { continue }
                var reference = PolicyReference(name: "")
                var firstKey = true
                while let keySpan = try scanner.nextKey(first: &firstKey) {
                    let key = scanner.raw(keySpan)
                    do throws(JSONDecodingProblem) {
                        if keyMatches(key, "name") {
                            reference.name = try scanner.optionalString()
                        } else if keyMatches(key, "namespace") {
                            reference.namespace = try scanner.optionalString()
                        } else if keyMatches(key, "kind") {
                            reference.kind = try scanner.optionalString()
                        } else {
                            try scanner.skipValue()
                        }
                    } catch {
                        throw error.under(scanner.makeString(keySpan))
                    }
                }
                result.append(reference)
            } catch {
                throw error.under("[\(position)]")
            }
            position += 1
        }
        return result
    }

    // MARK: - Endpoints

    private mutating func endpoint(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Endpoint {
        scanner.skipWhitespace()
        let start = scanner.index
        if let (cached, length) = endpointCache.lookup(scanner.bytes, at: start) {
            scanner.index = start + length
            return cached
        }
        let decoded = try decodeEndpoint(&scanner)
        endpointCache.insert(decoded, for: UnsafeRawBufferPointer(rebasing: scanner.bytes[start..<scanner.index]),
                             valueBytes: ApproximateSize.of(decoded))
        return decoded
    }

    private func decodeEndpoint(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Endpoint {
        var endpoint = Endpoint()
        guard try scanner.beginObject() else { return endpoint }
        var first = true
        while let keySpan = try scanner.nextKey(first: &first) {
            let key = scanner.raw(keySpan)
            do throws(JSONDecodingProblem) {
                if keyMatches(key, "identity") {
                    endpoint.identity = UInt32(try scanner.integer(in: 0...Int64(UInt32.max)))
                } else if keyMatches(key, "namespace") {
                    endpoint.namespace = try scanner.optionalString()
                } else if keyMatches(key, "podname") {
                    endpoint.podName = try scanner.optionalString()
                } else if keyMatches(key, "clustername") {
                    endpoint.clusterName = try scanner.optionalString()
                } else if keyMatches(key, "labels") {
                    endpoint.labels = try stringList(&scanner)
                } else if keyMatches(key, "workloads") {
                    endpoint.workloads = try workloads(&scanner)
                } else {
                    try scanner.skipValue()
                }
            } catch {
                throw error.under(scanner.makeString(keySpan))
            }
        }
        return endpoint
    }

    private func stringList(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [String] {
        var result: [String] = []
        guard try scanner.beginArray() else { return result }
        var first = true
        while try scanner.nextElement(first: &first) {
            do throws(JSONDecodingProblem) {
                result.append(try scanner.string())
            } catch {
                throw error.under("[\(result.count)]")
            }
        }
        return result
    }

    private func workloads(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [Workload] {
        var result: [Workload] = []
        guard try scanner.beginArray() else { return result }
        var first = true
        while try scanner.nextElement(first: &first) {
            do throws(JSONDecodingProblem) {
                guard try scanner.beginObject() else { continue }
                var workload = Workload(kind: "", name: "")
                var firstKey = true
                while let keySpan = try scanner.nextKey(first: &firstKey) {
                    let key = scanner.raw(keySpan)
                    do throws(JSONDecodingProblem) {
                        if keyMatches(key, "name") {
                            workload.name = try scanner.optionalString()
                        } else if keyMatches(key, "kind") {
                            workload.kind = try scanner.optionalString()
                        } else {
                            try scanner.skipValue()
                        }
                    } catch {
                        throw error.under(scanner.makeString(keySpan))
                    }
                }
                result.append(workload)
            } catch {
                throw error.under("[\(result.count)]")
            }
        }
        return result
    }
}

extension JSONDecodingProblem {
    /// The same problem, one level further down the field path.
    func under(_ component: String) -> JSONDecodingProblem {
        var copy = self
        copy.path.insert(component, at: 0)
        return copy
    }
}

/// An enum name as UTF-8 bytes, and its number.
private struct EnumName {
    var bytes: [UInt8]
    var code: Int32

    init(_ name: String, _ code: Int32) {
        bytes = Array(name.utf8)
        self.code = code
    }
}

/// Name tables for the enums the decoder reads, built once.
private enum EnumNames {
    static let verdict = Verdict.allCases.map { EnumName($0.name, $0.code) }
    static let trafficDirection = TrafficDirection.allCases.map { EnumName($0.name, $0.rawValue) }
    static let flowType = FlowType.allCases.map { EnumName($0.name, $0.rawValue) }
    static let tracePoint = TraceObservationPoint.names.map { EnumName($0.name, $0.code) }
    static let dropReason = DropReason.table.sorted { $0.key < $1.key }.map { EnumName($0.value.name, $0.key) }
}

private func keyEqualsIgnoringCase(_ key: UnsafeRawBufferPointer, _ name: String) -> Bool {
    guard key.count == name.utf8.count else { return false }
    return zip(key, name.utf8).allSatisfy { a, b in
        (a >= 65 && a <= 90 ? a + 32 : a) == (b >= 65 && b <= 90 ? b + 32 : b)
    }
}
