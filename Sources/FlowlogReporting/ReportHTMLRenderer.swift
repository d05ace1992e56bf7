import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// One self-contained HTML page: no external assets, no JavaScript, inline SVG charts (the top
/// drop pairs as bars, drops per hour as a time series) and the tables. Every value that comes
/// from flows is escaped, and a Content-Security-Policy forbids scripts as a second line of defence.
public struct ReportHTMLRenderer {
    public init() {}

    public func render(_ report: PeriodicReport, to out: inout some TextOutputStream) {
        let title = TextEscaping.html(ReportText.title(report))
        out.write("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #1b1f24; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            code { font-size: 0.9em; }
            svg text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
            .bar { fill: #cf222e; } .line { fill: none; stroke: #cf222e; stroke-width: 2; } .axis { stroke: #8c959f; }
            </style>
            </head>
            <body>
            <h1>\(title)</h1>
            <p>Generated \(TextEscaping.html(ReportText.time(report.generatedAt))). Times are UTC.</p>

            """)
        out.write("<h2>Totals</h2>\n<table>\n")
        for (name, value) in ReportText.totalsLines(report) {
            out.write("<tr><th>\(TextEscaping.html(name))</th><td class=\"n\">\(TextEscaping.html(value))</td></tr>\n")
        }
        out.write("</table>\n")

        out.write("<h2>Top dropped pairs</h2>\n")
        if report.topPairs.isEmpty {
            out.write("<p>No drops in this window.</p>\n")
        } else {
            out.write(barChart(report.topPairs))
            out.write(pairTable(report.topPairs))
        }
        out.write("<h2>New drop pairs (not seen before this window)</h2>\n")
        out.write(report.newPairs.isEmpty ? "<p>None.</p>\n" : pairTable(report.newPairs))
        out.write("<h2>Drops per hour</h2>\n")
        out.write(timeSeries(report.dropsPerHour))
        out.write("<h2>Drops per namespace</h2>\n" + countTable("Namespace", report.dropsByNamespace))
        out.write("<h2>Drops per reason</h2>\n" + countTable("Reason", report.dropsByReason))
        if let replay = report.replay { out.write(replaySection(replay)) }
        out.write("</body>\n</html>\n")
    }

    private func cell(_ text: String, numeric: Bool = false) -> String {
        "<td\(numeric ? " class=\"n\"" : "")>\(TextEscaping.html(text))</td>"
    }

    private func pairTable(_ groups: [DropGroup]) -> String {
        var html = "<table>\n<tr>" + ReportText.pairHeader.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for group in groups {
            let cells = ReportText.pairCells(group)
            html += "<tr>" + cells.enumerated().map { cell($0.element, numeric: $0.offset == 0) }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    private func countTable(_ name: String, _ items: [NamedCount]) -> String {
        guard !items.isEmpty else { return "<p>None.</p>\n" }
        var html = "<table>\n<tr><th>\(name)</th><th>Drops</th></tr>\n"
        for item in items { html += "<tr>\(cell(item.name))\(cell(String(item.count), numeric: true))</tr>\n" }
        return html + "</table>\n"
    }

    /// `count / whole` held within 0...1, so a negative count (a damaged database) cannot make
    /// `Int(_:)` of a scaled value trap.
    private func fraction(_ count: Int64, of whole: Int64) -> Double {
        guard whole > 0 else { return 0 }
        return min(max(Double(count) / Double(whole), 0), 1)
    }

    /// Horizontal bars, one per pair, labelled `source → destination`.
    private func barChart(_ groups: [DropGroup]) -> String {
        let rowHeight = 22
        let labelWidth = 520
        let barWidth = 360
        let height = groups.count * rowHeight + 10
        let largest = max(groups.map(\.count).max() ?? 1, 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 80)\" height=\"\(height)\" "
            + "role=\"img\" aria-label=\"Top dropped pairs\">\n"
        for (index, group) in groups.enumerated() {
            let y = index * rowHeight + 5
            let width = max(1, Int(fraction(group.count, of: largest) * Double(barWidth)))
            let label = shorten("\(group.source) → \(group.destination)", to: 80)
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\">\(TextEscaping.html(label))"
                + "<title>\(TextEscaping.html("\(group.source) → \(group.destination)"))</title></text>\n"
            svg += "<rect class=\"bar\" x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(width)\" height=\"\(rowHeight - 6)\"/>\n"
            svg += "<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 15)\">\(group.count)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Drops per hour as a line over the window, with the first and last hour and the peak marked.
    private func timeSeries(_ hours: [HourlyCount]) -> String {
        guard !hours.isEmpty else { return "<p>No hours in this window.</p>\n" }
        let width = 880, height = 200, left = 50, bottom = 30, top = 10
        let plotWidth = width - left - 10
        let plotHeight = height - bottom - top
        let peak = max(hours.map(\.count).max() ?? 0, 1)
        func x(_ index: Int) -> Int { left + (hours.count == 1 ? plotWidth / 2 : index * plotWidth / (hours.count - 1)) }
        func y(_ count: Int64) -> Int { top + plotHeight - Int(fraction(count, of: peak) * Double(plotHeight)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" "
            + "aria-label=\"Drops per hour\">\n"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\"/>\n"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\"/>\n"
        svg += "<text x=\"\(left - 6)\" y=\"\(top + 10)\" text-anchor=\"end\">\(peak)</text>\n"
        svg += "<text x=\"\(left - 6)\" y=\"\(top + plotHeight)\" text-anchor=\"end\">0</text>\n"
        let points = hours.enumerated().map { "\(x($0.offset)),\(y($0.element.count))" }.joined(separator: " ")
        svg += "<polyline class=\"line\" points=\"\(points)\"/>\n"
        for (index, hour) in hours.enumerated() {
            svg += "<circle cx=\"\(x(index))\" cy=\"\(y(hour.count))\" r=\"2.5\" class=\"bar\">"
                + "<title>\(TextEscaping.html(ReportText.time(hour.hour))): \(hour.count)</title></circle>\n"
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 8)\">\(TextEscaping.html(ReportText.time(hours[0].hour)))</text>\n"
        svg += "<text x=\"\(left + plotWidth)\" y=\"\(height - 8)\" text-anchor=\"end\">"
            + "\(TextEscaping.html(ReportText.time(hours[hours.count - 1].hour)))</text>\n"
        return svg + "</svg>\n"
    }

    private func replaySection(_ replay: ReplayReport) -> String {
        var html = "<h2>Policy replay</h2>\n<p>" + TextEscaping.html(ReplayText.summary(replay).joined(separator: " ")) + "</p>\n"
        for (outcome, title) in ReplayText.sections {
            let groups = replay.groups.filter { $0.outcome == outcome }
            guard !groups.isEmpty else { continue }
            html += "<h3>\(TextEscaping.html(title))</h3>\n<table>\n<tr><th>Count</th><th>Source</th><th>Destination</th>"
                + "<th>Port</th><th>First seen</th><th>Last seen</th><th>Why</th></tr>\n"
            for group in groups.prefix(20) {
                html += "<tr>" + cell(String(group.count), numeric: true) + cell(group.source) + cell(group.destination)
                    + cell(ReplayText.portText(group)) + cell(ReportText.time(group.firstSeen))
                    + cell(ReportText.time(group.lastSeen)) + cell(group.explanation) + "</tr>\n"
            }
            html += "</table>\n"
        }
        return html
    }

    private func shorten(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
