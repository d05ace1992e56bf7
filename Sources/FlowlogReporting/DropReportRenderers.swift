import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Output formats of `flowlog drops`.
public enum DropReportFormat: String, Sendable, CaseIterable {
    case table, json, csv, markdown
    /// A Graphviz drop graph.
    case dot
    /// A Mermaid drop graph, for Markdown pages.
    case mermaid
}

/// Writes a drop report in one format. Rendering is separate from querying: one report, many renderers.
public protocol DropReportRenderer {
    func render(_ report: DropReport, to out: inout some TextOutputStream)
}

extension DropReportFormat {
    /// The renderer for this format.
    public func render(_ report: DropReport, to out: inout some TextOutputStream) {
        switch self {
        case .table: DropTableRenderer().render(report, to: &out)
        case .json: DropJSONRenderer().render(report, to: &out)
        case .csv: DropCSVRenderer().render(report, to: &out)
        case .markdown: DropMarkdownRenderer().render(report, to: &out)
        case .dot: DropGraphRenderer(style: .dot).render(report, to: &out)
        case .mermaid: DropGraphRenderer(style: .mermaid).render(report, to: &out)
        }
    }
}

private func portsText(_ ports: [PortCount], limit: Int = 6) -> String {
    var parts = ports.prefix(limit).map(\.description)
    if ports.count > limit { parts.append("+\(ports.count - limit) more") }
    return parts.joined(separator: ",")
}

private func reasonsText(_ reasons: [ReasonCount]) -> String {
    reasons.map(\.reason.name).joined(separator: ",")
}

private func timeText(_ time: Timestamp) -> String { time.rfc3339(fractionDigits: 0) }

/// Aligned columns for a terminal.
public struct DropTableRenderer: DropReportRenderer {
    public init() {}

    public func render(_ report: DropReport, to out: inout some TextOutputStream) {
        guard !report.groups.isEmpty else {
            out.write("No dropped flows match.\n")
            return
        }
        var table = TextTable(header: ["COUNT", "SOURCE", "DESTINATION", "PORTS", "REASONS", "FIRST SEEN", "LAST SEEN"])
        for group in report.groups {
            table.append([String(group.count), group.source, group.destination, portsText(group.ports),
                          reasonsText(group.reasons), timeText(group.firstSeen), timeText(group.lastSeen)])
        }
        table.write(to: &out)
        if report.groups.count < report.totalGroups {
            out.write("(\(report.groups.count) of \(report.totalGroups) groups shown; \(report.totalDrops) drops in all)\n")
        }
    }
}

/// A stable JSON document (keys in a fixed order) for other tools.
public struct DropJSONRenderer: DropReportRenderer {
    public init() {}

    public func render(_ report: DropReport, to out: inout some TextOutputStream) {
        out.write("{\"grouping\":\(JSONText.quoted(report.grouping.rawValue)),\"total_drops\":\(report.totalDrops),")
        out.write("\"total_groups\":\(report.totalGroups),\"groups\":[")
        for (index, group) in report.groups.enumerated() {
            if index > 0 { out.write(",") }
            out.write("{\"source\":\(JSONText.quoted(group.source)),\"destination\":\(JSONText.quoted(group.destination)),")
            out.write("\"count\":\(group.count),\"first_seen\":\(JSONText.quoted(group.firstSeen.rfc3339())),")
            out.write("\"last_seen\":\(JSONText.quoted(group.lastSeen.rfc3339())),\"ports\":[")
            out.write(group.ports.map {
                "{\"protocol\":\(JSONText.quoted($0.proto.jsonKey)),\"port\":\($0.port),\"count\":\($0.count)}"
            }.joined(separator: ","))
            out.write("],\"reasons\":[")
            out.write(group.reasons.map {
                "{\"reason\":\(JSONText.quoted($0.reason.name)),\"count\":\($0.count)}"
            }.joined(separator: ","))
            out.write("]}")
        }
        out.write("]}\n")
    }
}

/// RFC 4180 CSV with a header row; formula prefixes neutralised.
public struct DropCSVRenderer: DropReportRenderer {
    public init() {}

    public func render(_ report: DropReport, to out: inout some TextOutputStream) {
        out.write("count,source,destination,ports,reasons,first_seen,last_seen\r\n")
        for group in report.groups {
            let fields = [String(group.count), group.source, group.destination,
                          group.ports.map(\.description).joined(separator: " "),
                          group.reasons.map(\.reason.name).joined(separator: " "),
                          group.firstSeen.rfc3339(), group.lastSeen.rfc3339()]
            out.write(fields.map(TextEscaping.csvField).joined(separator: ",") + "\r\n")
        }
    }
}

/// A Markdown table that reads well in a terminal, an e-mail and a Git forge.
public struct DropMarkdownRenderer: DropReportRenderer {
    public init() {}

    public func render(_ report: DropReport, to out: inout some TextOutputStream) {
        guard !report.groups.isEmpty else {
            out.write("No dropped flows match.\n")
            return
        }
        out.write("| Count | Source | Destination | Ports | Reasons | First seen | Last seen |\n")
        out.write("|------:|--------|-------------|-------|---------|------------|-----------|\n")
        for group in report.groups {
            let cells = [String(group.count), group.source, group.destination, portsText(group.ports),
                         reasonsText(group.reasons), timeText(group.firstSeen), timeText(group.lastSeen)]
            out.write("| " + cells.map(TextEscaping.markdownCell).joined(separator: " | ") + " |\n")
        }
        if report.groups.count < report.totalGroups {
            out.write("\n\(report.groups.count) of \(report.totalGroups) groups shown; \(report.totalDrops) drops in all.\n")
        }
    }
}

/// The drop graph: one node per endpoint group (use `--by workload` or `--by namespace`), one
/// edge per group pair, labelled with the count and the ports.
public struct DropGraphRenderer: DropReportRenderer {
    public enum Style: Sendable { case dot, mermaid }

    public var style: Style

    public init(style: Style) {
        self.style = style
    }

    public func render(_ report: DropReport, to out: inout some TextOutputStream) {
        var nodes: [String] = []
        var index: [String: Int] = [:]
        for group in report.groups {
            for name in [group.source, group.destination] where index[name] == nil {
                index[name] = nodes.count
                nodes.append(name)
            }
        }
        func edgeLabel(_ group: DropGroup) -> String {
            "\(group.count) drops: " + portsText(group.ports, limit: 4)
        }
        switch style {
        case .dot:
            // Top to bottom: a drop graph has few levels (clients, services, data stores) and
            // many nodes per level, so it stays narrow enough to read on a page.
            out.write("digraph drops {\n  rankdir=TB;\n  node [shape=box, fontname=\"sans-serif\"];\n")
            out.write("  edge [color=\"#cf222e\", fontname=\"sans-serif\", fontsize=10];\n")
            for (number, name) in nodes.enumerated() { out.write("  n\(number) [label=\(dotString(name))];\n") }
            let largest = max(report.groups.map(\.count).max() ?? 1, 1)
            for group in report.groups {
                out.write("  n\(index[group.source]!) -> n\(index[group.destination]!) [label=\(dotString(edgeLabel(group))), "
                    + "penwidth=\(Self.penWidth(group.count, largest: largest))];\n")
            }
            out.write("}\n")
        case .mermaid:
            out.write("flowchart LR\n")
            for (number, name) in nodes.enumerated() { out.write("  n\(number)[\"\(mermaidText(name))\"]\n") }
            for group in report.groups {
                out.write("  n\(index[group.source]!) -- \"\(mermaidText(edgeLabel(group)))\" --> n\(index[group.destination]!)\n")
            }
        }
    }

    /// The width of an edge of `count` drops: 1 for the fewest, up to 8 for the `largest` pair,
    /// in proportion, with one decimal (`3.5`).
    static func penWidth(_ count: Int64, largest: Int64) -> String {
        let fraction = largest > 0 ? min(max(Double(count) / Double(largest), 0), 1) : 0
        let tenths = 10 + Int((fraction * 70).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// A DOT double-quoted string: quotes and backslashes escaped, controls made visible.
    private func dotString(_ text: String) -> String {
        "\"" + TextEscaping.replacingScalars(in: TextEscaping.terminal(text)) { scalar in
            scalar == "\"" || scalar == "\\" ? "\\" + String(scalar) : nil
        } + "\""
    }

    /// Mermaid label text inside double quotes: quotes and markup characters as entity codes.
    private func mermaidText(_ text: String) -> String {
        TextEscaping.replacingScalars(in: TextEscaping.terminal(text)) { scalar in
            switch scalar {
            case "\"": "#quot;"
            case "<": "#lt;"
            case ">": "#gt;"
            case "#": "#35;"
            case "&": "#amp;"
            default: nil
            }
        }
    }
}
