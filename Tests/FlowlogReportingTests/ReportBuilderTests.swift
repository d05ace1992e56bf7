import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

@Suite struct ReportBuilderTests {
    static func sampleStore() throws -> (SQLiteFlowStore, TemporaryDirectory, [Flow]) {
        let directory = try TemporaryDirectory()
        let database = directory.path("sample.db")
        _ = try ingest([.file(sampleFlowsPath)], into: database)
        let store = try SQLiteFlowStore(path: database)
        return (store, directory, try store.flows(matching: FlowQuery(), last: nil))
    }

    @Test func totalsPairsAndHoursAgreeWithTheFlows() throws {
        let (store, _, flows) = try Self.sampleStore()
        let window = ReportWindow(since: Timestamp(rfc3339: "2026-11-20T10:30:00Z")!, until: Timestamp(rfc3339: "2026-11-20T12:00:00Z")!)
        let report = try ReportBuilder.build(store: store, window: window, generatedAt: window.until)
        let inWindow = flows.filter { $0.time >= window.since && $0.time < window.until }
        #expect(report.totals.flows == Int64(inWindow.count))
        #expect(report.totals.forwarded == Int64(inWindow.filter { $0.verdict == .forwarded }.count))
        #expect(report.totals.dropped == Int64(inWindow.filter(\.countsAsDrop).count))
        #expect(report.dropsPerHour.map(\.hour) == [Timestamp(rfc3339: "2026-11-20T10:00:00Z")!, Timestamp(rfc3339: "2026-11-20T11:00:00Z")!])
        #expect(report.dropsPerHour.reduce(0) { $0 + $1.count } == report.totals.dropped)
        #expect(report.dropsByReason == [NamedCount(name: "POLICY_DENIED", count: report.totals.dropped)])
        #expect(report.dropsByNamespace.reduce(0) { $0 + $1.count } == report.totals.dropped)
        // The test pod started scanning at 10:41: its pairs are new in this window; frontend ->
        // database was already dropped before 10:30, so it is not.
        #expect(report.newPairs.contains { $0.source.contains("app=test-pod") })
        #expect(!report.newPairs.contains { $0.source == "production/app=frontend,tier=web" && $0.destination.hasPrefix("production/app=database") })
    }

    @Test func everyFormatRendersAndHostileLabelsStayText() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("hostile.db")
        let hostile = #"<script>alert(1)</script>"#
        let attribute = #""><img src=x onerror=alert(1)>"#
        // FlowLines puts the names into JSON as they are: the quote is escaped for JSON here.
        let line = FlowLines.flow(uuid: FlowLines.uuid(1), time: "2026-11-20T10:00:00Z", from: hostile,
                                  to: attribute.replacingOccurrences(of: "\"", with: "\\\""), drop: true)
        try directory.write("hostile.jsonl", line + "\n")
        _ = try ingest([.file(directory.path("hostile.jsonl"))], into: database)
        let store = try SQLiteFlowStore(path: database)
        let window = ReportWindow(since: Timestamp(rfc3339: "2026-11-20T09:00:00Z")!, until: Timestamp(rfc3339: "2026-11-20T11:00:00Z")!)
        let report = try ReportBuilder.build(store: store, window: window, generatedAt: window.until)
        #expect(report.topPairs.count == 1)
        var html = ""
        ReportFormat.html.render(report, to: &html)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("<svg") && html.contains("Content-Security-Policy"))
        var json = ""
        ReportFormat.json.render(report, to: &json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "flowlog.report/v1")
        let pairs = try #require(object["top_pairs"] as? [[String: Any]])
        #expect((pairs.first?["source"] as? String)?.contains(hostile) == true)
        var markdown = ""
        ReportFormat.markdown.render(report, to: &markdown)
        #expect(!markdown.contains("<script>"))
        var text = ""
        ReportFormat.text.render(report, to: &text)
        #expect(text.contains("dropped (each drop once): 1"))
    }
}
