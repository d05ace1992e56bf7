import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// One self-contained HTML page: no external assets, no JavaScript, inline SVG charts (the top
/// drop pairs, drops per hour, the drop graph of workloads) and the tables. Every value that comes
/// from flows is escaped, and a Content-Security-Policy forbids scripts as a second line of defence.
///
/// The page reads on a phone as on a desktop: charts scale with their `viewBox`, each table scrolls
/// inside its own box so the page never scrolls sideways, names wrap only after separators
/// (`/ - . = ,`) and times never wrap.
public struct ReportHTMLRenderer {
    public init() {}

    /// Writes the whole page for `report` to `out`.
    public func render(_ report: PeriodicReport, to out: inout some TextOutputStream) {
        out.write("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(TextEscaping.html(ReportText.title(report)))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <h1>\(heading(report))</h1>
            <p>Generated \(HTMLText.time(report.generatedAt)). Times are UTC.</p>

            """)
        if let note = ReportText.emptyWindowNote(report) { out.write("<p><strong>\(TextEscaping.html(note))</strong></p>\n") }
        out.write("<h2>Totals</h2>\n<div class=\"wide\"><table>\n")
        for (name, value) in ReportText.totalsLines(report) {
            out.write("<tr><th>\(TextEscaping.html(name))</th><td class=\"n\">\(TextEscaping.html(value))</td></tr>\n")
        }
        out.write("</table></div>\n")

        out.write("<h2>Top dropped pairs</h2>\n")
        if report.topPairs.isEmpty {
            out.write("<p>No drops in this window.</p>\n")
        } else {
            out.write(ReportCharts.pairBars(report.topPairs))
            out.write(pairTable(report.topPairs))
        }
        out.write(newPairsSection(report))
        out.write("<h2>Drops per hour</h2>\n")
        out.write(hoursSection(report.dropsPerHour))
        out.write(dropGraphSection(report.workloadPairs))
        out.write("<h2>Drops per namespace</h2>\n" + countTable("Namespace", report.dropsByNamespace))
        out.write("<h2>Drops per reason</h2>\n" + countTable("Reason", report.dropsByReason))
        if let replay = report.replay { out.write(replaySection(replay)) }
        out.write("</body>\n</html>\n")
    }

    // MARK: - Page

    /// The style sheet. Mail clients that drop it still get charts that scale (each SVG carries
    /// its own `max-width`) and readable tables.
    static let style = """

        body { font-family: system-ui, sans-serif; margin: 1.5em auto; padding: 0 1em; max-width: 84em; color: #1b1f24; line-height: 1.35; }
        h1 { font-size: 1.45em; } h2 { font-size: 1.2em; margin-top: 1.6em; } h3 { font-size: 1.05em; }
        .wide { overflow-x: auto; max-width: 100%; margin: 0.5em 0 1.5em; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left; vertical-align: top; overflow-wrap: normal; word-break: normal; }
        th { background: #f6f8fa; white-space: nowrap; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.name { min-width: 7em; }
        .t, .k { white-space: nowrap; }
        h1 .k { white-space: normal; overflow-wrap: anywhere; }
        .note { color: #57606a; }
        svg.chart { display: block; max-width: 100%; height: auto; margin: 0.5em 0 1em; }
        svg text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
        svg text.tick { fill: #57606a; }
        svg text.value { font-weight: 600; }
        svg text.halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
        .bar { fill: #cf222e; } .axis { stroke: #8c959f; } .grid { stroke: #eaeef2; }
        .edge { fill: none; stroke: #cf222e; stroke-opacity: 0.55; } .node { fill: #f6f8fa; stroke: #8c959f; }
        @media (max-width: 600px) { body { margin: 0.75em auto; padding: 0 0.5em; } th, td { padding: 0.25em 0.4em; } }

        """

    /// The title with its two times kept whole. Unlike a table, a heading cannot scroll, so a
    /// namespace longer than the whole line may break where it must (`h1 .k` in the style sheet).
    private func heading(_ report: PeriodicReport) -> String {
        "flowlog report \(HTMLText.time(report.window.since)) to \(HTMLText.time(report.window.until))"
            + (report.namespaces.isEmpty ? ""
                : " (namespaces: \(report.namespaces.map { HTMLText.breakable($0) }.joined(separator: ", ")))")
    }

    // MARK: - Sections

    /// The new pairs, unless they are exactly the top pairs (as on a first report, when every pair
    /// is new): then one sentence instead of the same table twice.
    private func newPairsSection(_ report: PeriodicReport) -> String {
        var html = "<h2>New drop pairs (not seen before this window)</h2>\n"
        if report.newPairs.isEmpty {
            html += "<p>None.</p>\n"
        } else if report.newPairs == report.topPairs {
            html += "<p>All \(report.newPairs.count) top dropped pairs above are new: none of them was dropped before this window.</p>\n"
        } else {
            html += pairTable(report.newPairs)
        }
        return html
    }

    private func hoursSection(_ hours: [HourlyCount]) -> String {
        guard !hours.isEmpty else { return "<p>No hours in this window.</p>\n" }
        let step = ReportCharts.hoursPerBar(hours.count)
        let note = step == 1 ? "" : "<p class=\"note\">One bar per \(step) hours.</p>\n"
        return ReportCharts.hourBars(hours) + note
    }

    private func dropGraphSection(_ pairs: [DropGroup]) -> String {
        var html = "<h2>Drop graph (workloads)</h2>\n"
        guard let svg = ReportDropGraph.svg(pairs) else { return html + "<p>No drops in this window.</p>\n" }
        html += svg + "<p class=\"note\">Each curve is a dropped pair, from its source on the left to its destination "
            + "on the right; its width grows with the number of drops"
        let hidden = pairs.count - min(pairs.count, ReportDropGraph.maximumEdges)
        html += hidden > 0 ? "; the \(hidden) smallest pairs are not drawn.</p>\n" : ".</p>\n"
        return html
    }

    private func replaySection(_ replay: ReplayReport) -> String {
        var html = "<h2>Policy replay</h2>\n<p>" + TextEscaping.html(ReplayText.summary(replay).joined(separator: " ")) + "</p>\n"
        for (outcome, title) in ReplayText.sections {
            let groups = replay.groups.filter { $0.outcome == outcome }
            guard !groups.isEmpty else { continue }
            html += "<h3>\(TextEscaping.html(title))</h3>\n<div class=\"wide\"><table>\n<tr><th>Count</th><th>Source</th>"
                + "<th>Destination</th><th>Port</th><th>First seen</th><th>Last seen</th><th>Why</th></tr>\n"
            for group in groups.prefix(20) {
                html += "<tr>" + numberCell(String(group.count)) + nameCell(group.source) + nameCell(group.destination)
                    + listCell(ReplayText.portText(group)) + timeCell(group.firstSeen) + timeCell(group.lastSeen)
                    + "<td class=\"why\">\(HTMLText.breakable(group.explanation))</td></tr>\n"
            }
            html += "</table></div>\n"
        }
        return html
    }

    // MARK: - Tables

    private func numberCell(_ text: String) -> String { "<td class=\"n\">\(TextEscaping.html(text))</td>" }
    private func nameCell(_ text: String) -> String { "<td class=\"name\">\(HTMLText.breakable(text))</td>" }
    /// A comma-separated list (ports, reasons) that wraps between its items only.
    private func listCell(_ text: String) -> String { "<td class=\"name\">\(HTMLText.breakable(text, after: [","]))</td>" }
    private func timeCell(_ time: Timestamp) -> String { "<td>\(HTMLText.time(time))</td>" }

    private func pairTable(_ groups: [DropGroup]) -> String {
        var html = "<div class=\"wide\"><table>\n<tr>" + ReportText.pairHeader.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for group in groups {
            let cells = ReportText.pairCells(group)
            html += "<tr>" + numberCell(cells[0]) + nameCell(group.source) + nameCell(group.destination)
                + listCell(cells[3]) + listCell(cells[4]) + timeCell(group.firstSeen) + timeCell(group.lastSeen) + "</tr>\n"
        }
        return html + "</table></div>\n"
    }

    private func countTable(_ name: String, _ items: [NamedCount]) -> String {
        guard !items.isEmpty else { return "<p>None.</p>\n" }
        var html = "<div class=\"wide\"><table>\n<tr><th>\(name)</th><th>Drops</th></tr>\n"
        for item in items { html += "<tr>\(nameCell(item.name))\(numberCell(String(item.count)))</tr>\n" }
        return html + "</table></div>\n"
    }
}
