import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Output formats of `flowlog report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// Reads well in a terminal, an e-mail and a Git forge.
    case markdown
    /// One self-contained page with inline SVG charts, readable without JavaScript.
    case html
    /// A stable, documented document for other tools.
    case json
    /// Plain aligned text for a terminal.
    case text

    public func render(_ report: PeriodicReport, to out: inout some TextOutputStream) {
        switch self {
        case .markdown: ReportMarkdownRenderer().render(report, to: &out)
        case .html: ReportHTMLRenderer().render(report, to: &out)
        case .json: ReportJSONRenderer().render(report, to: &out)
        case .text: ReportTextRenderer().render(report, to: &out)
        }
    }
}

/// Formatting shared by the report renderers.
enum ReportText {
    static func time(_ timestamp: Timestamp) -> String { timestamp.rfc3339(fractionDigits: 0) }

    static func percent(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return "\(scaled)%"
    }

    static func title(_ report: PeriodicReport) -> String {
        "flowlog report \(time(report.window.since)) to \(time(report.window.until))"
            + (report.namespaces.isEmpty ? "" : " (namespaces: \(report.namespaces.joined(separator: ", ")))")
    }

    /// What an empty window on a non-empty store says: where the stored flows are.
    static func emptyWindowNote(_ report: PeriodicReport) -> String? {
        report.storedRange.map {
            "No flow in this window. The database holds flows from \(time($0.first)) to \(time($0.last))."
        }
    }

    static func totalsLines(_ report: PeriodicReport) -> [(String, String)] {
        let totals = report.totals
        return [("flows", String(totals.flows)), ("forwarded", String(totals.forwarded)),
                ("dropped (each drop once)", String(totals.dropped)), ("drop rate", percent(totals.dropRate)),
                ("lost by Hubble", String(totals.lost))]
    }

    static func pairCells(_ group: DropGroup) -> [String] {
        [String(group.count), group.source, group.destination,
         group.ports.prefix(6).map(\.description).joined(separator: ",") + (group.ports.count > 6 ? ",…" : ""),
         group.reasons.map(\.reason.name).joined(separator: ","), time(group.firstSeen), time(group.lastSeen)]
    }

    static let pairHeader = ["Count", "Source", "Destination", "Ports", "Reasons", "First seen", "Last seen"]
}

/// Markdown: tables and short sections.
public struct ReportMarkdownRenderer {
    public init() {}

    public func render(_ report: PeriodicReport, to out: inout some TextOutputStream) {
        func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = [0]) {
            out.write("| " + header.joined(separator: " | ") + " |\n")
            out.write("|" + header.indices.map { rightAligned.contains($0) ? "------:" : "-------" }.joined(separator: "|") + "|\n")
            for row in rows { out.write("| " + row.map(TextEscaping.markdownCell).joined(separator: " | ") + " |\n") }
            out.write("\n")
        }
        out.write("# " + TextEscaping.markdownCell(ReportText.title(report)) + "\n\n")
        out.write("Generated \(ReportText.time(report.generatedAt)). Times are UTC.\n\n")
        if let note = ReportText.emptyWindowNote(report) { out.write("**\(note)**\n\n") }
        out.write("## Totals\n\n")
        table(["What", "Count"], ReportText.totalsLines(report).map { [$0.0, $0.1] }, rightAligned: [1])
        out.write("## Top dropped pairs\n\n")
        if report.topPairs.isEmpty { out.write("No drops in this window.\n\n") }
        else { table(ReportText.pairHeader, report.topPairs.map(ReportText.pairCells)) }
        out.write("## New drop pairs (not seen before this window)\n\n")
        if report.newPairs.isEmpty { out.write("None.\n\n") }
        else { table(ReportText.pairHeader, report.newPairs.map(ReportText.pairCells)) }
        out.write("## Drops per namespace\n\n")
        if report.dropsByNamespace.isEmpty { out.write("None.\n\n") }
        else { table(["Namespace", "Drops"], report.dropsByNamespace.map { [$0.name, String($0.count)] }, rightAligned: [1]) }
        out.write("## Drops per reason\n\n")
        if report.dropsByReason.isEmpty { out.write("None.\n\n") }
        else { table(["Reason", "Drops"], report.dropsByReason.map { [$0.name, String($0.count)] }, rightAligned: [1]) }
        out.write("## Drops per hour\n\n")
        table(["Hour", "Drops"], report.dropsPerHour.map { [ReportText.time($0.hour), String($0.count)] }, rightAligned: [1])
        if let replay = report.replay {
            ReplayFormat.markdown.render(replay, top: 20, to: &out)
        }
    }
}

/// Plain text for a terminal.
public struct ReportTextRenderer {
    public init() {}

    public func render(_ report: PeriodicReport, to out: inout some TextOutputStream) {
        out.write(TextEscaping.terminal(ReportText.title(report)) + "\n\n")
        if let note = ReportText.emptyWindowNote(report) { out.write(note + "\n\n") }
        for (name, value) in ReportText.totalsLines(report) { out.write("\(name): \(value)\n") }
        out.write("\nTop dropped pairs\n")
        var pairs = TextTable(header: ReportText.pairHeader.map { $0.uppercased() })
        for group in report.topPairs { pairs.append(ReportText.pairCells(group)) }
        pairs.write(to: &out)
        out.write("\nNew drop pairs: \(report.newPairs.count)\n")
        for group in report.newPairs {
            out.write("  " + TextEscaping.terminal("\(group.source) -> \(group.destination) (\(group.count))") + "\n")
        }
        out.write("\nDrops per namespace\n")
        for item in report.dropsByNamespace { out.write("  " + TextEscaping.terminal(item.name) + ": \(item.count)\n") }
        out.write("\nDrops per reason\n")
        for item in report.dropsByReason { out.write("  \(item.name): \(item.count)\n") }
        out.write("\nDrops per hour\n")
        for item in report.dropsPerHour { out.write("  \(ReportText.time(item.hour)): \(item.count)\n") }
        if let replay = report.replay {
            out.write("\n")
            ReplayFormat.table.render(replay, top: 20, to: &out)
        }
    }
}

/// JSON with a fixed key order. Schema (version 1):
/// `{"schema":"flowlog.report/v1","window":{"since","until"},"generated_at","namespaces":[…],
/// "totals":{"flows","forwarded","dropped","drop_rate","lost"},"top_pairs":[pair],"new_pairs":[pair],
/// "drops_by_namespace":[{"name","count"}],"drops_by_reason":[{"name","count"}],
/// "drops_per_hour":[{"hour","count"}],"replay":null|{…as replay -o json},
/// "stored_range":null|{"first","last"}}` (`stored_range`: set when the window holds no flow but
/// the database does, the times of its first and last flow) where a pair is
/// `{"source","destination","count","first_seen","last_seen","ports":[{"protocol","port","count"}],
/// "reasons":[{"reason","count"}]}`. Times are RFC 3339 UTC strings.
public struct ReportJSONRenderer {
    public init() {}

    public func render(_ report: PeriodicReport, to out: inout some TextOutputStream) {
        func time(_ value: Timestamp) -> String { JSONText.quoted(value.rfc3339()) }
        func pair(_ group: DropGroup) -> String {
            "{\"source\":\(JSONText.quoted(group.source)),\"destination\":\(JSONText.quoted(group.destination)),"
                + "\"count\":\(group.count),\"first_seen\":\(time(group.firstSeen)),\"last_seen\":\(time(group.lastSeen)),"
                + "\"ports\":[" + group.ports.map {
                    "{\"protocol\":\(JSONText.quoted($0.proto.jsonKey)),\"port\":\($0.port),\"count\":\($0.count)}"
                }.joined(separator: ",") + "],\"reasons\":[" + group.reasons.map {
                    "{\"reason\":\(JSONText.quoted($0.reason.name)),\"count\":\($0.count)}"
                }.joined(separator: ",") + "]}"
        }
        func named(_ items: [NamedCount]) -> String {
            "[" + items.map { "{\"name\":\(JSONText.quoted($0.name)),\"count\":\($0.count)}" }.joined(separator: ",") + "]"
        }
        let totals = report.totals
        out.write("{\"schema\":\"flowlog.report/v1\",")
        out.write("\"window\":{\"since\":\(time(report.window.since)),\"until\":\(time(report.window.until))},")
        out.write("\"generated_at\":\(time(report.generatedAt)),\"namespaces\":\(JSONText.array(report.namespaces)),")
        out.write("\"totals\":{\"flows\":\(totals.flows),\"forwarded\":\(totals.forwarded),\"dropped\":\(totals.dropped),")
        out.write("\"drop_rate\":\((totals.dropRate * 100).rounded() / 100),\"lost\":\(totals.lost)},")
        out.write("\"top_pairs\":[" + report.topPairs.map(pair).joined(separator: ",") + "],")
        out.write("\"new_pairs\":[" + report.newPairs.map(pair).joined(separator: ",") + "],")
        out.write("\"drops_by_namespace\":\(named(report.dropsByNamespace)),\"drops_by_reason\":\(named(report.dropsByReason)),")
        out.write("\"drops_per_hour\":[" + report.dropsPerHour.map {
            "{\"hour\":\(time($0.hour)),\"count\":\($0.count)}"
        }.joined(separator: ",") + "],\"replay\":")
        if let replay = report.replay {
            var text = ""
            ReplayFormat.json.render(replay, top: nil, to: &text)
            out.write(String(text.dropLast()))   // without its newline
        } else {
            out.write("null")
        }
        out.write(",\"stored_range\":")
        if let range = report.storedRange {
            out.write("{\"first\":\(time(range.first)),\"last\":\(time(range.last))}")
        } else {
            out.write("null")
        }
        out.write("}\n")
    }
}
