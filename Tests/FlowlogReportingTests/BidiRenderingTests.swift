import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

/// A label value holding bidirectional controls (which reorder what a terminal shows) and an
/// escape sequence reaches none of the text renderers raw.
@Suite struct BidiRenderingTests {
    static let unsafe: [Unicode.Scalar] = ["\u{202E}", "\u{2066}", "\u{2069}", "\u{200F}", "\u{61C}", "\u{202A}", "\u{1B}"]
    /// "app=‮evil" reads as "app=live" on a terminal that honours the override.
    static let label = "k8s:app=\u{202E}evil\u{2066}x\u{2069}\u{200F}\u{61C}\u{202A}\u{1B}[2J"

    static func containsUnsafe(_ text: String) -> Bool {
        text.unicodeScalars.contains { unsafe.contains($0) }
    }

    static let flow = Fixtures.flow(verdict: .dropped, reason: .policyDenied,
                                    source: Fixtures.pod("web", extraLabels: [label]))

    @Test(arguments: FlowFormat.allCases)
    func flowOutput(_ format: FlowFormat) {
        var out = ""
        format.render([Self.flow], to: &out)
        #expect(!Self.containsUnsafe(out), "\(format)")
    }

    @Test(arguments: DropReportFormat.allCases)
    func dropReportOutput(_ format: DropReportFormat) {
        let count = DropCount(source: Self.flow.source, destination: Self.flow.destination, proto: .tcp, port: 8080,
                              reason: .policyDenied, count: 1, firstSeen: Self.flow.time, lastSeen: Self.flow.time)
        let report = DropAggregator.report([count], by: .labels)
        #expect(report.groups.first.map { Self.containsUnsafe($0.source) } == true, "the label reached the report")
        var out = ""
        format.render(report, to: &out)
        #expect(!Self.containsUnsafe(out), "\(format)")
        if format == .table || format == .markdown { #expect(out.contains(#"\u{202E}evil"#)) }
    }

    /// Found by the attack re-run: the HTML report wrote ESC and bidi controls raw.
    @Test(arguments: ReportFormat.allCases)
    func periodicReportOutput(_ format: ReportFormat) throws {
        let store = try SQLiteFlowStore(path: ":memory:")
        var batch = IngestBatch()
        batch.flows = [Self.flow]
        _ = try store.write(batch)
        let window = ReportWindow(since: Timestamp(rawValue: Self.flow.time.rawValue - 3_600_000_000_000),
                                  until: Timestamp(rawValue: Self.flow.time.rawValue + 1))
        let report = try ReportBuilder.build(store: store, window: window, generatedAt: window.until)
        #expect(report.totals.dropped == 1)
        var out = ""
        format.render(report, to: &out)
        #expect(!Self.containsUnsafe(out), "\(format)")
    }
}
