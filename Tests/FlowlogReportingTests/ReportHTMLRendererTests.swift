import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogReporting
import FlowlogTestSupport

private func hour(_ text: String) -> Timestamp {
    Timestamp(rfc3339: text) ?? Timestamp(rawValue: 0)
}

private func pair(_ source: String, _ destination: String, _ count: Int64) -> DropGroup {
    DropGroup(source: source, destination: destination, count: count, firstSeen: hour("2026-11-20T10:00:00Z"),
              lastSeen: hour("2026-11-20T11:00:00Z"), ports: [PortCount(proto: .tcp, port: 443, count: count)],
              reasons: [ReasonCount(reason: .policyDenied, count: count)])
}

/// `count` occurrences of `needle` in `text`.
private func occurrences(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// The pieces of the HTML report below the page: name wrapping, the time chart's scale and axis,
/// the drop graph, and when "New pairs" is shown. How the page lays out in a browser is
/// HTMLReportBrowserTests' part.
@Suite struct ReportHTMLRendererTests {
    // MARK: - Names

    struct BreakCase: Sendable, CustomTestStringConvertible {
        var input: String
        var expected: String
        var testDescription: String { input.debugDescription }
    }

    @Test(arguments: [
        BreakCase(input: "world", expected: #"<span class="k">world</span>"#),
        BreakCase(input: "production/app=api,tier=backend",
                  expected: #"<span class="k">production/</span><wbr><span class="k">app=</span><wbr><span class="k">api,</span><wbr>"#
                      + #"<span class="k">tier=</span><wbr><span class="k">backend</span>"#),
        BreakCase(input: "kube-system/k8s-app=kube-dns.v1",
                  expected: #"<span class="k">kube-</span><wbr><span class="k">system/</span><wbr><span class="k">k8s-</span><wbr>"#
                      + #"<span class="k">app=</span><wbr><span class="k">kube-</span><wbr><span class="k">dns.</span><wbr><span class="k">v1</span>"#),
        BreakCase(input: "no policy selects it", expected: #"<span class="k">no</span> <span class="k">policy</span> "#
                      + #"<span class="k">selects</span> <span class="k">it</span>"#),
        // Escaped piece by piece: no tag lands inside an entity, and `&amp;` in the input stays text.
        BreakCase(input: #"a"<b>&amp;/x"#, expected: #"<span class="k">a&quot;&lt;b&gt;&amp;amp;/</span><wbr><span class="k">x</span>"#),
        BreakCase(input: "", expected: ""),
        BreakCase(input: "/", expected: #"<span class="k">/</span><wbr>"#),
    ])
    func namesBreakOnlyAfterSeparators(_ testCase: BreakCase) {
        #expect(HTMLText.breakable(testCase.input) == testCase.expected)
    }

    @Test func listsBreakOnlyBetweenTheirItems() {
        #expect(HTMLText.breakable("TCP/443,UDP/53", after: [","])
            == #"<span class="k">TCP/443,</span><wbr><span class="k">UDP/53</span>"#)
    }

    @Test func controlAndBidiCharactersInNamesAreMadeVisible() {
        let html = HTMLText.breakable("app=\u{202E}evil\u{1B}[2J")
        #expect(!html.unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{1B}" })
        #expect(html.hasPrefix(#"<span class="k">app=</span><wbr><span class="k">"#))
    }

    // MARK: - Drops per hour

    struct TickCase: Sendable, CustomTestStringConvertible {
        var peak: Int64, step: Int64
        var testDescription: String { "peak \(peak)" }
    }

    /// About four round ticks (1, 2 or 5 times a power of ten) up to the peak.
    @Test(arguments: [
        TickCase(peak: 0, step: 1), TickCase(peak: 3, step: 1), TickCase(peak: 7, step: 2), TickCase(peak: 20, step: 5),
        TickCase(peak: 180, step: 50), TickCase(peak: 1_000, step: 500), TickCase(peak: 1_001, step: 500),
        TickCase(peak: 45_000, step: 20_000), TickCase(peak: -5, step: 1),
    ])
    func yAxisTicksAreRound(_ testCase: TickCase) {
        #expect(ReportCharts.tickStep(peak: testCase.peak) == testCase.step)
    }

    struct SpanCase: Sendable, CustomTestStringConvertible {
        var hours: Int, hoursPerBar: Int
        var testDescription: String { "\(hours) hours" }
    }

    /// One bar per hour up to a day and a half; longer windows get wider bars, at most 36 or so.
    @Test(arguments: [
        SpanCase(hours: 1, hoursPerBar: 1), SpanCase(hours: 24, hoursPerBar: 1), SpanCase(hours: 36, hoursPerBar: 1),
        SpanCase(hours: 48, hoursPerBar: 2), SpanCase(hours: 168, hoursPerBar: 6), SpanCase(hours: 720, hoursPerBar: 24),
        SpanCase(hours: 9_600, hoursPerBar: 336),
    ])
    func longWindowsGetWiderBars(_ testCase: SpanCase) {
        #expect(ReportCharts.hoursPerBar(testCase.hours) == testCase.hoursPerBar)
    }

    @Test func barsOfSeveralHoursStartOnRoundHours() {
        // 03:00 to 12:59 in bars of 6 hours: 03–05 (part of 00–06), 06–11, and 12.
        let hours = (3..<13).map { HourlyCount(hour: hour(String(format: "2026-11-20T%02d:00:00Z", $0)), count: 1) }
        let bars = ReportCharts.bucketed(hours, hoursPerBar: 6)
        #expect(bars.map(\.count) == [3, 6, 1])
        #expect(bars.map(\.start) == [hour("2026-11-20T03:00:00Z"), hour("2026-11-20T06:00:00Z"), hour("2026-11-20T12:00:00Z")])
        #expect(bars.map { $0.hour % 6 } == [0, 0, 0])
    }

    @Test func labelsAreRoundIntervalsFarEnoughApart() {
        #expect(ReportCharts.labelInterval(hoursPerBar: 1, barWidth: 18) == 3)
        #expect(ReportCharts.labelInterval(hoursPerBar: 1, barWidth: 200) == 1)
        #expect(ReportCharts.labelInterval(hoursPerBar: 6, barWidth: 15) == 24)
        #expect(ReportCharts.labelInterval(hoursPerBar: 24, barWidth: 14) == 168)
    }

    /// A day: bars with their values printed, a label every three hours and the date once, ticks
    /// on the y axis.
    @Test func aDayOfHoursIsLabelledBars() {
        let counts: [Int: Int64] = [10: 180, 11: 91]
        let hours = (0..<24).map { HourlyCount(hour: hour(String(format: "2026-11-20T%02d:00:00Z", $0)), count: counts[$0] ?? 0) }
        let svg = ReportCharts.hourBars(hours)
        #expect(occurrences("<rect class=\"bar\"", in: svg) == 2, "zero hours draw no bar")
        #expect(occurrences("class=\"value\"", in: svg) == 2)
        #expect(svg.contains(">180</text>") && svg.contains(">91</text>"))
        let labels = (0..<8).map { String(format: ">%02d:00</text>", $0 * 3) }
        #expect(labels.allSatisfy(svg.contains), "a label every three hours")
        #expect(!svg.contains(">01:00</text>") && !svg.contains(">10:00</text>"))
        #expect(occurrences(">2026-11-20</text>", in: svg) == 1)
        for tick in [0, 50, 100, 150, 200] { #expect(svg.contains(">\(tick)</text>"), "tick \(tick)") }
        #expect(svg.contains("viewBox=\"0 0 480 ") && svg.contains("max-width:100%"))
    }

    @Test func damagedCountsDrawWithinTheChart() {
        let hours = [HourlyCount(hour: hour("2026-11-20T00:00:00Z"), count: .max),
                     HourlyCount(hour: hour("2026-11-20T01:00:00Z"), count: -7),
                     HourlyCount(hour: hour("2026-11-20T02:00:00Z"), count: .max)]
        let svg = ReportCharts.hourBars(hours)
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(!svg.contains("-7"), "a negative count draws as none")
        #expect(!ReportCharts.hourBars([]).isEmpty)
    }

    // MARK: - Drop graph

    @Test func theDropGraphScalesEdgesByCountAndEscapesNames() throws {
        let hostile = #"prod/"quoted" <b>&"#
        let svg = try #require(ReportDropGraph.svg([pair(hostile, "world", 40), pair("world", "prod/api", 10),
                                                    pair("prod/web", "prod/api", 0)]))
        let widths = svg.components(separatedBy: "stroke-width=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(widths == ["12", "4.1", "1.5"])
        #expect(!svg.contains("<b>") && svg.contains("prod/&quot;quoted&quot; &lt;b&gt;&amp;"))
        #expect(occurrences("<rect class=\"node\"", in: svg) == 5, "three sources, two destinations")
        #expect(svg.contains(">40</text>") && svg.contains(">10</text>"))
        #expect(ReportDropGraph.svg([]) == nil)
    }

    @Test func theDropGraphDrawsTheLargestPairsAndCountsTheRest() {
        let pairs = (0..<20).map { pair("ns/app-\($0)", "ns/db", Int64(100 - $0)) }
        let report = Self.report(top: [], new: [], graph: pairs)
        #expect(occurrences("class=\"edge\"", in: report) == ReportDropGraph.maximumEdges)
        #expect(report.contains("the 5 smallest pairs are not drawn"))
    }

    // MARK: - Sections

    static func report(top: [DropGroup], new: [DropGroup], graph: [DropGroup] = []) -> String {
        let window = ReportWindow(since: hour("2026-11-20T10:00:00Z"), until: hour("2026-11-20T12:00:00Z"))
        let report = PeriodicReport(window: window, generatedAt: window.until, namespaces: [], totals: ReportTotals(),
                                    topPairs: top, newPairs: new, dropsByNamespace: [], dropsByReason: [],
                                    dropsPerHour: ReportBuilder.hourStarts(in: window).map { HourlyCount(hour: $0, count: 0) },
                                    replay: nil, workloadPairs: graph)
        var html = ""
        ReportHTMLRenderer().render(report, to: &html)
        return html
    }

    /// On a first report every pair is new: the same table is not printed twice.
    @Test func newPairsOnlyWhenTheyDifferFromTheTopPairs() {
        let pairs = [pair("a", "b", 3), pair("c", "d", 2)]
        let first = Self.report(top: pairs, new: pairs)
        #expect(occurrences("<table>", in: first) == 2, "totals and the top pairs")
        #expect(first.contains("All 2 top dropped pairs above are new"))

        let later = Self.report(top: pairs, new: [pairs[1]])
        #expect(occurrences("<table>", in: later) == 3)
        #expect(!later.contains("are new"))

        let quiet = Self.report(top: pairs, new: [])
        #expect(quiet.contains("New drop pairs (not seen before this window)</h2>\n<p>None.</p>"))
    }

    @Test func timesAndTablesAreMarkedForLayout() {
        let html = Self.report(top: [pair("a", "b", 3)], new: [])
        #expect(html.contains(#"<h1>flowlog report <span class="t">2026-11-20T10:00:00Z</span> to <span class="t">2026-11-20T12:00:00Z</span></h1>"#))
        #expect(occurrences("<div class=\"wide\"><table>", in: html) == occurrences("<table>", in: html))
        #expect(html.contains(#"<td><span class="t">2026-11-20T11:00:00Z</span></td>"#))
    }
}
