import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

/// The HTML report laid out by a real browser (headless Chromium) at a desktop's and a phone's
/// width: the page never scrolls sideways, every chart is on screen, times stay on one line and
/// names break only after separators. Skipped when no Chromium is installed (`.ci/run` installs
/// Debian's `chromium`).
@Suite(.enabled(if: HeadlessChromium.binary != nil,
                "no chromium binary on PATH (install Debian's chromium, or set FLOWLOG_TEST_CHROMIUM)"))
struct HTMLReportBrowserTests {
    enum Page: String, CaseIterable, Sendable {
        /// The bundled sample over a day, with the seed's policies replayed.
        case sample
        /// Long, hostile names, a month of hours and more pairs than the graph draws.
        case hostile
    }

    struct Layout: Sendable, CustomTestStringConvertible {
        var page: Page
        var width: Int
        var testDescription: String { "\(page.rawValue) at \(width) px" }
    }

    static let layouts = Page.allCases.flatMap { page in [1280, 420].map { Layout(page: page, width: $0) } }

    static func html(_ page: Page) throws -> String {
        let report = switch page {
        case .sample: try sampleReport()
        case .hostile: hostileReport()
        }
        var html = ""
        ReportFormat.html.render(report, to: &html)
        return html
    }

    static func sampleReport() throws -> PeriodicReport {
        let directory = try TemporaryDirectory()
        let database = directory.path("sample.db")
        _ = try ingest([.file(sampleFlowsPath)], into: database)
        let store = try SQLiteFlowStore(path: database)
        let policies = try PolicyLoader.load(paths: [packageRoot.appendingPathComponent("SampleFlows/policies").path]).policies
        let window = ReportWindow(since: try #require(Timestamp(rfc3339: "2026-11-20T00:00:00Z")),
                                  until: try #require(Timestamp(rfc3339: "2026-11-21T00:00:00Z")))
        return try ReportBuilder.build(store: store, window: window, evaluator: VerdictEvaluator(policies: policies),
                                       generatedAt: window.until)
    }

    static func hostileReport() -> PeriodicReport {
        let start = Timestamp(seconds: Fixtures.baseSeconds, nanoseconds: 0)
        let hostile = "payments\"<b>&amp;\u{202E}evil/app.kubernetes.io/name=payments-gateway-reconciler,"
            + "app.kubernetes.io/component=worker,team=checkout-platform-observability"
        let unbroken = "production/" + String(repeating: "x", count: 40)
        func group(_ source: String, _ destination: String, _ count: Int64) -> DropGroup {
            DropGroup(source: source, destination: destination, count: count, firstSeen: start, lastSeen: start,
                      ports: (0..<8).map { PortCount(proto: .tcp, port: UInt16(8000 + $0), count: 1) },
                      reasons: [ReasonCount(reason: .policyDenied, count: count)])
        }
        let pairs = (0..<20).map { group(index: $0) }
        func group(index: Int) -> DropGroup {
            let source: String = index.isMultiple(of: 3) ? hostile : "team-\(index)/app=service-\(index)"
            let destination: String = index == 1 ? unbroken : "databases-\(index % 4)/app=postgres-\(index % 4)"
            let count = Int64(25_000 - index * 1_000)
            return group(source, destination, count)
        }
        let hours: [HourlyCount] = (0..<(24 * 30)).map { (hour: Int) -> HourlyCount in
            let seconds: Int64 = Fixtures.baseSeconds + Int64(hour) * 3600
            return HourlyCount(hour: Timestamp(seconds: seconds, nanoseconds: 0), count: Int64((hour * 7919) % 1_300))
        }
        let until = Timestamp(seconds: Fixtures.baseSeconds + Int64(hours.count) * 3600, nanoseconds: 0)
        var totals = ReportTotals()
        totals.flows = 9_000_000_000
        totals.dropped = 420_000
        return PeriodicReport(window: ReportWindow(since: start, until: until), generatedAt: until,
                              namespaces: ["payments-eu-west-1", hostile], totals: totals,
                              topPairs: Array(pairs.prefix(10)), newPairs: Array(pairs.suffix(6)),
                              dropsByNamespace: [NamedCount(name: hostile, count: 7)],
                              dropsByReason: [NamedCount(name: "POLICY_DENIED", count: 420_000)],
                              dropsPerHour: hours, replay: nil, workloadPairs: pairs)
    }

    @Test(arguments: layouts)
    func thePageFitsItsWidthAndEveryChartIsVisible(_ layout: Layout) throws {
        let binary = try #require(HeadlessChromium.binary)
        let directory = try TemporaryDirectory()
        let found = try HeadlessChromium(binary: binary).measure(try Self.html(layout.page), width: layout.width, in: directory)

        #expect(found.innerWidth == Double(layout.width), "the frame did not get the width asked for")
        #expect(found.scrollWidth <= found.clientWidth, "the page scrolls sideways: \(found.scrollWidth) > \(found.clientWidth)")
        #expect(found.outside.isEmpty, "past the right edge: \(found.outside)")
        #expect(found.unboxedTables == 0, "tables outside a scrolling box")
        #expect(found.wrappedTimes.isEmpty, "times on two lines: \(found.wrappedTimes)")
        #expect(found.midTokenBreaks.isEmpty, "names broken mid-token: \(found.midTokenBreaks)")

        #expect(found.charts.map(\.label) == ["Top dropped pairs", "Drops per hour", "Drop graph"])
        for chart in found.charts {
            #expect(chart.viewBox != nil, "\(chart.label) has no viewBox")
            #expect(chart.width > 0 && chart.height > 0, "\(chart.label) is \(chart.width)×\(chart.height)")
            #expect(chart.left >= 0 && chart.right <= found.clientWidth, "\(chart.label) spans \(chart.left)..\(chart.right)")
            // Legible: the charts' 12-unit text is drawn at 9 px or more.
            let viewBoxWidth = try #require(chart.viewBox?.split(separator: " ").dropFirst(2).first.flatMap { Double($0) })
            #expect(chart.width / viewBoxWidth * 12 >= 9, "\(chart.label) is scaled down to \(chart.width / viewBoxWidth)")
        }
    }
}
