import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Output formats of `flowlog replay`.
public enum ReplayFormat: String, Sendable, CaseIterable {
    case table, json, markdown

    /// Writes `report`; `top` limits the groups listed per outcome (nil: all).
    public func render(_ report: ReplayReport, top: Int?, to out: inout some TextOutputStream) {
        switch self {
        case .table: ReplayText.table(report, top: top, to: &out)
        case .json: ReplayText.json(report, to: &out)
        case .markdown: ReplayText.markdown(report, top: top, to: &out)
        }
    }
}

enum ReplayText {
    static let sections: [(ReplayOutcome, String)] = [
        (.wouldBreak, "Would break: recorded FORWARDED, denied by these policies"),
        (.wouldUnblock, "Would unblock: recorded DROPPED by policy, allowed by these policies"),
        (.unknown, "Cannot decide: a rule names a port the flows cannot resolve (give --pods)"),
    ]

    static func portText(_ group: ReplayGroup) -> String {
        PortCount(proto: group.proto, port: group.port, count: group.count).description
    }

    static func summary(_ report: ReplayReport) -> [String] {
        let policies = report.policyCount, breaking = report.total(.wouldBreak)
        var lines = ["\(policies) \(policies == 1 ? "policy" : "policies"); \(breaking) \(breaking == 1 ? "flow" : "flows") would break, "
            + "\(report.total(.wouldUnblock)) would unblock, \(report.total(.unknown)) undecided; unchanged: "
            + "\(report.total(.unchangedAllowed)) allowed, \(report.total(.unchangedDenied)) denied "
            + "(\(report.notComparable) other records not compared)"]
        if let warning = report.enforcementWarning { lines.append("warning: " + warning) }
        return lines
    }

    static func table(_ report: ReplayReport, top: Int?, to out: inout some TextOutputStream) {
        for (outcome, title) in sections {
            let groups = report.groups.filter { $0.outcome == outcome }
            guard !groups.isEmpty else { continue }
            out.write("\(title)\n")
            var table = TextTable(header: ["COUNT", "SOURCE", "DESTINATION", "PORT", "FIRST SEEN", "LAST SEEN", "WHY"])
            for group in groups.prefix(top ?? groups.count) {
                table.append([String(group.count), group.source, group.destination, portText(group),
                              group.firstSeen.rfc3339(fractionDigits: 0), group.lastSeen.rfc3339(fractionDigits: 0),
                              group.explanation])
            }
            table.write(to: &out)
            if let top, groups.count > top { out.write("(\(top) of \(groups.count) groups shown)\n") }
            out.write("\n")
        }
        for line in summary(report) { out.write(line + "\n") }
    }

    static func markdown(_ report: ReplayReport, top: Int?, to out: inout some TextOutputStream) {
        out.write("## Policy replay\n\n")
        for line in summary(report) { out.write(TextEscaping.markdownCell(line) + "\n\n") }
        for (outcome, title) in sections {
            let groups = report.groups.filter { $0.outcome == outcome }
            guard !groups.isEmpty else { continue }
            out.write("### \(title)\n\n")
            out.write("| Count | Source | Destination | Port | First seen | Last seen | Why |\n")
            out.write("|------:|--------|-------------|------|------------|-----------|-----|\n")
            for group in groups.prefix(top ?? groups.count) {
                let cells = [String(group.count), group.source, group.destination, portText(group),
                             group.firstSeen.rfc3339(fractionDigits: 0), group.lastSeen.rfc3339(fractionDigits: 0),
                             group.explanation]
                out.write("| " + cells.map(TextEscaping.markdownCell).joined(separator: " | ") + " |\n")
            }
            out.write("\n")
        }
    }

    static func json(_ report: ReplayReport, to out: inout some TextOutputStream) {
        let totals = ReplayOutcome.allCases.map { "\(JSONText.quoted($0.rawValue)):\(report.total($0))" }
        out.write("{\"policies\":\(report.policyCount),\"totals\":{" + totals.joined(separator: ",") + "},")
        out.write("\"not_compared\":\(report.notComparable),")
        out.write("\"warning\":\(report.enforcementWarning.map(JSONText.quoted) ?? "null"),\"groups\":[")
        let groups = report.groups.filter { $0.outcome != .unchangedAllowed && $0.outcome != .unchangedDenied }
        out.write(groups.map { group in
            "{\"outcome\":\(JSONText.quoted(group.outcome.rawValue)),\"source\":\(JSONText.quoted(group.source)),"
                + "\"destination\":\(JSONText.quoted(group.destination)),\"protocol\":\(JSONText.quoted(group.proto.jsonKey)),"
                + "\"port\":\(group.port),\"count\":\(group.count),\"first_seen\":\(JSONText.quoted(group.firstSeen.rfc3339())),"
                + "\"last_seen\":\(JSONText.quoted(group.lastSeen.rfc3339())),\"explanation\":\(JSONText.quoted(group.explanation))}"
        }.joined(separator: ","))
        out.write("]}\n")
    }
}
