import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Output formats of `flowlog observe`.
public enum FlowFormat: String, Sendable, CaseIterable {
    /// Aligned columns: TIMESTAMP SOURCE DESTINATION TYPE VERDICT SUMMARY.
    case table
    /// One line per flow, like `hubble observe`'s default output.
    case compact
    /// Hubble's JSON lines (`{"flow":…}`), which `flowlog ingest` reads back.
    case json
    /// `hubble observe -o jsonpb`: the same `{"flow":…}` lines as ``json``.
    case jsonpb
    /// `hubble observe -o dict`: a block of `KEY: value` lines per flow, separated by dashes.
    case dict

    /// Writes `flows` in this format.
    public func render(_ flows: [Flow], to out: inout some TextOutputStream) {
        var writer = FlowStreamWriter(format: self)
        for flow in flows { writer.write(flow, to: &out) }
        writer.finish(to: &out)
    }
}

/// Writes flows in one ``FlowFormat`` as they come, so `observe --all` holds one flow at a time
/// instead of every stored flow (issue #14).
///
/// JSON and compact lines are written at once. The table needs its column widths before its
/// first line, so it looks ahead: rows are held until `lookAhead` of them, or `lookAheadBytes`
/// of their text, have come; the widths are taken from those, and later rows are written at
/// once in the same columns (a wider cell pushes the rest of its line right). A table within
/// the look-ahead is exactly what ``TextTable`` writes for all rows at once.
public struct FlowStreamWriter {
    public let format: FlowFormat
    private let lookAhead: Int
    private let lookAheadBytes: Int
    private var heldBytes = 0
    private var table = TextTable(header: ["TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"])
    /// The table's column widths once its first lines are written.
    private var widths: [Int]?
    /// Whether a dict block was written (the next one is preceded by a separator).
    private var hasWrittenBlock = false

    /// - Parameters:
    ///   - lookAhead: table rows held at most to choose column widths (at least 1). Ten thousand
    ///     rows of ordinary flows take a few MiB.
    ///   - lookAheadBytes: bytes of cell text held at most, whatever the number of rows, since
    ///     one hostile summary may be a megabyte long.
    public init(format: FlowFormat, lookAhead: Int = 10_000, lookAheadBytes: Int = 4 << 20) {
        self.format = format
        self.lookAhead = max(1, lookAhead)
        self.lookAheadBytes = lookAheadBytes
    }

    /// Writes `flow`, or for a table may hold it until the column widths are known.
    public mutating func write(_ flow: Flow, to out: inout some TextOutputStream) {
        switch format {
        case .table:
            let (source, destination) = FlowText.orientedEndpoints(flow)
            table.append([flow.time.stampMilli, source, destination, FlowText.type(flow), FlowText.verdict(flow),
                          flow.summary])
            if let widths {
                if let row = table.rows.popLast() { out.write(TextTable.line(row, widths: widths)) }
                return
            }
            heldBytes += table.rows.last.map { $0.reduce(0) { $0 + $1.utf8.count } } ?? 0
            if table.rows.count >= lookAhead || heldBytes >= lookAheadBytes { writeHeldRows(to: &out) }
        case .compact:
            out.write(TextEscaping.terminal(FlowText.compactLine(flow)) + "\n")
        case .json, .jsonpb:
            out.write(FlowJSON.line(flow) + "\n")
        case .dict:
            if hasWrittenBlock { out.write(FlowText.dictSeparator + "\n") }
            hasWrittenBlock = true
            out.write(FlowText.dictBlock(flow))
        }
    }

    /// Writes what is held (a table's header and rows, when fewer than `lookAhead` came).
    public mutating func finish(to out: inout some TextOutputStream) {
        if format == .table && widths == nil { writeHeldRows(to: &out) }
    }

    private mutating func writeHeldRows(to out: inout some TextOutputStream) {
        table.write(to: &out)
        widths = table.columnWidths()
        table.rows.removeAll()
    }
}

/// How flows read in text output, following `hubble observe`.
public enum FlowText {
    /// `namespace/pod:port`, else the IP and port.
    public static func endpoint(_ endpoint: Endpoint, ip: IPAddress?, port: UInt16, proto: L4Protocol) -> String {
        var host: String
        if !endpoint.podName.isEmpty {
            host = endpoint.namespace.isEmpty ? endpoint.podName : "\(endpoint.namespace)/\(endpoint.podName)"
        } else if let ip {
            host = ip.isIPv6 ? "[\(ip)]" : ip.description
        } else {
            host = endpoint.kind.reservedName ?? "unknown"
        }
        if proto.hasPorts && port != 0 { host += ":\(port)" }
        return host
    }

    /// Source and destination text; for replies they are swapped so the client stays on the left.
    public static func orientedEndpoints(_ flow: Flow) -> (String, String) {
        let source = endpoint(flow.source, ip: flow.sourceIP, port: flow.l4.sourcePort, proto: flow.l4.proto)
        let destination = endpoint(flow.destination, ip: flow.destinationIP, port: flow.l4.destinationPort, proto: flow.l4.proto)
        return (source, destination)
    }

    static let matchTypeNames = ["none", "L3-Only", "L3-L4", "L4-Only", "all", "L3-Proto", "Proto-Only"]

    /// The TYPE column: the drop reason text, `policy-verdict:<match> <DIRECTION>`, the trace point, …
    public static func type(_ flow: Flow) -> String {
        switch flow.eventType {
        case CiliumEventType.drop:
            return flow.dropReason == .unknown ? "drop" : flow.dropReason.text
        case CiliumEventType.policyVerdict:
            let match = flow.policyMatchType >= 0 && Int(flow.policyMatchType) < matchTypeNames.count
                ? matchTypeNames[Int(flow.policyMatchType)] : String(flow.policyMatchType)
            return "policy-verdict:\(match) \(flow.trafficDirection == .unknown ? "" : flow.trafficDirection.name)"
                .trimmingWhitespace()
        case CiliumEventType.trace:
            return TraceObservationPoint.cliName(flow.traceObservationPoint)
        case CiliumEventType.l7:
            return "l7"
        default:
            if flow.verdict == .dropped && flow.dropReason != .unknown { return flow.dropReason.text }
            return "UNKNOWN"
        }
    }

    /// The line between two `-o dict` blocks.
    public static let dictSeparator = "------------"

    /// One `-o dict` block: the table's columns as right-aligned `KEY: value` lines, with the
    /// node, each value escaped for the terminal.
    public static func dictBlock(_ flow: Flow) -> String {
        let (source, destination) = orientedEndpoints(flow)
        let entries = [("TIMESTAMP", flow.time.stampMilli), ("SOURCE", source), ("DESTINATION", destination),
                       ("TYPE", type(flow)), ("VERDICT", verdict(flow)), ("SUMMARY", flow.summary), ("NODE", flow.nodeName)]
        let width = entries.map(\.0.count).max() ?? 0
        return entries.map { key, value in
            String(repeating: " ", count: width - key.count) + key + ": " + TextEscaping.terminal(value) + "\n"
        }.joined()
    }

    /// The VERDICT column; policy-verdict events read ALLOWED / DENIED / AUDITED, as in hubble.
    public static func verdict(_ flow: Flow) -> String {
        guard flow.isPolicyVerdictEvent else { return flow.verdict.name }
        switch flow.verdict {
        case .forwarded, .redirected: return "ALLOWED"
        case .dropped, .error: return "DENIED"
        case .audit: return "AUDITED"
        default: return flow.verdict.name
        }
    }

    /// One compact line: `time [node]: source (id) -> destination (id) TYPE VERDICT (summary)`.
    public static func compactLine(_ flow: Flow) -> String {
        let (source, destination) = orientedEndpoints(flow)
        let arrow = flow.isReply == nil ? "<>" : (flow.isReply == true ? "<-" : "->")
        let left = flow.isReply == true ? destination : source
        let right = flow.isReply == true ? source : destination
        let leftEndpoint = flow.isReply == true ? flow.destination : flow.source
        let rightEndpoint = flow.isReply == true ? flow.source : flow.destination
        var line = flow.time.stampMilli
        if !flow.nodeName.isEmpty { line += " [\(flow.nodeName)]" }
        line += ": \(left) (\(identityText(leftEndpoint))) \(arrow) \(right) (\(identityText(rightEndpoint))) "
        line += "\(type(flow)) \(verdict(flow))"
        if !flow.summary.isEmpty { line += " (\(flow.summary))" }
        return line
    }

    /// The identity in parentheses, as hubble prints it: the reserved identity's name (`world`,
    /// `world-ipv4`, `host`, …) for a reserved number, else `ID:<n>`. It names the number, not
    /// the ``EndpointKind``: a CIDR identity is the world but prints as `ID:16777217`. Reserved
    /// numbers decide the kind, so a name printed here always agrees with `endpoint.kind`.
    static func identityText(_ endpoint: Endpoint) -> String {
        ReservedIdentity(rawValue: endpoint.identity)?.name ?? "ID:\(endpoint.identity)"
    }
}
