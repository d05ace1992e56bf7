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
    var endpointCache: RawBytesCache<Endpoint>
    private let maxLineBytes: Int
    /// The bytes of endpoints one decoder's cache holds at most, shared out among the decoders of
    /// one ingest, so the decode threads together stay within it.
    public static let endpointCacheBytes = 8 << 20
    /// An empty flow, copied for each line: `Flow()` allocates and classifies two empty
    /// endpoints (twice a line, for the record and its wrapper), which a copy only retains.
    private let blankFlow = Flow()

    /// - Parameters:
    ///   - maxLineBytes: the longest line ingest reads. A flow whose JSON line (as
    ///   `observe -o json` writes it) could be longer is refused, so every stored flow can be
    ///   exported and read back.
    ///   - endpointCacheBytes: the most bytes of endpoints kept for lines to come.
    public init(maxLineBytes: Int = IngestOptions().maxLineBytes, endpointCacheBytes: Int = FlowDecoder.endpointCacheBytes) {
        self.maxLineBytes = maxLineBytes
        endpointCache = RawBytesCache<Endpoint>(capacity: 2048, byteCapacity: endpointCacheBytes)
    }

    /// Decodes one line (without its newline).
    /// - Throws: ``JSONDecodingProblem`` naming the field path and the column of the problem.
    public mutating func decode(_ line: UnsafeRawBufferPointer) throws(JSONDecodingProblem) -> HubbleRecord {
        if let offset = firstInvalidUTF8Offset(line) {
            throw JSONDecodingProblem(path: [], message: "invalid UTF-8", column: offset + 1)
        }
        var scanner = JSONScanner(line)
        var bare = blankFlow
        var wrapped: Flow?
        var lost: LostEvents?
        var other: NonFlowKind?
        var bareLost: LostEvents?
        var sawFlowField = false
        let isObject = try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            if keyMatches(key, "flow") {
                var flow = blankFlow
                if try decodeFlowObject(&scanner, into: &flow) { wrapped = flow }
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
            } else if try decodeFlowField(key, &scanner, into: &bare) == .read {
                if !keyMatches(key, "time") && !keyMatches(key, "nodename") { sawFlowField = true }
            } else {
                return .skip
            }
            return .read
        }
        guard isObject else { throw scanner.problem("expected an object, found null") }
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
    mutating func decodeFlowObject(_ scanner: inout JSONScanner, into flow: inout Flow) throws(JSONDecodingProblem) -> Bool {
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in try decodeFlowField(key, &scanner, into: &flow) }
    }

    /// Decodes the value of one Flow key into `flow`; skips keys flowlog does not use.
    /// Returns ``JSONScanner/MemberUse/skip`` (leaving the value for the caller to skip) when
    /// the key is not a Flow field flowlog reads.
    private mutating func decodeFlowField(_ key: UnsafeRawBufferPointer, _ scanner: inout JSONScanner,
                                          into flow: inout Flow) throws(JSONDecodingProblem) -> JSONScanner.MemberUse {
        switch keyInitial(key) {
        case UInt8(ascii: "a"):
            guard keyMatches(key, "aggregate") else { return .skip }
            flow.weight = try aggregateWeight(&scanner)
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
                return .skip
            }
        case UInt8(ascii: "u"):
            guard keyMatches(key, "uuid") else { return .skip }
            if try scanner.consumeNull() { return .read }
            let span = try scanner.stringSpan()
            guard span.count > 0 else { return .read }
            guard let uuid = FlowUUID(utf8: scanner.raw(span)) else {
                throw JSONDecodingProblem(path: [], message: "expected a UUID (8-4-4-4-12 hex digits)", column: span.start)
            }
            flow.uuid = uuid
        case UInt8(ascii: "v"):
            guard keyMatches(key, "verdict") else { return .skip }
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
            } else if keyMatches(key, "destinationnames") {
                flow.destinationNames = try dnsNames(&scanner)
            } else {
                return .skip
            }
        case UInt8(ascii: "s"):
            if keyMatches(key, "source") {
                flow.source = try endpoint(&scanner)
            } else if keyMatches(key, "summary") {
                flow.summary = try cachedString(&scanner)
            } else if keyMatches(key, "sourcenames") {
                flow.sourceNames = try dnsNames(&scanner)
            } else {
                return .skip
            }
        case UInt8(ascii: "i"):
            if keyMatches(key, "ip") {
                try decodeIP(&scanner, into: &flow)
            } else if keyMatches(key, "isreply") {
                if try scanner.consumeNull() { return .read }
                flow.isReply = try scanner.boolean()
            } else if keyMatches(key, "ingressallowedby") {
                flow.policies.ingressAllowedBy = try policyList(&scanner)
            } else if keyMatches(key, "ingressdeniedby") {
                flow.policies.ingressDeniedBy = try policyList(&scanner)
            } else {
                return .skip
            }
        case UInt8(ascii: "e"):
            if keyMatches(key, "eventtype") {
                try decodeEventType(&scanner, into: &flow)
            } else if keyMatches(key, "egressallowedby") {
                flow.policies.egressAllowedBy = try policyList(&scanner)
            } else if keyMatches(key, "egressdeniedby") {
                flow.policies.egressDeniedBy = try policyList(&scanner)
            } else {
                return .skip
            }
        case UInt8(ascii: "l"):
            guard keyMatches(key, "l4") else { return .skip }
            flow.l4 = try layer4(&scanner)
        case UInt8(ascii: "n"):
            guard keyMatches(key, "nodename") else { return .skip }
            flow.nodeName = try cachedString(&scanner)
        case UInt8(ascii: "p"):
            guard keyMatches(key, "policymatchtype") else { return .skip }
            flow.policyMatchType = Int32(try scanner.integer(in: 0...Int64(UInt32.max)) & 0x7FFF_FFFF)
        case UInt8(ascii: "r"):
            guard keyMatches(key, "reply") else { return .skip }
            // Deprecated `reply` only appears when true; `is_reply` wins when both are present.
            if try scanner.boolean(), flow.isReply == nil { flow.isReply = true }
        default:
            return .skip
        }
        return .read
    }
}
