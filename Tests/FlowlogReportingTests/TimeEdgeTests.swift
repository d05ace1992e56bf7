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

/// Windows and stored flows at the ends of the representable range (1677-09-21 and 2262-04-11):
/// every store query, the report and prune compute them without trapping, and the rollup-based
/// answers agree with `FlowQuery.matches` on the flows themselves.
@Suite struct TimeEdgeTests {
    static let edgeTimes = [
        "1677-09-21T00:12:43.145224193Z", "1677-09-21T00:12:50Z", "1677-09-21T01:30:00Z",
        "2262-04-11T22:10:00Z", "2262-04-11T23:47:16.854775806Z", "2262-04-11T23:47:16.854775807Z",
    ]

    /// A store with one dropped and one forwarded flow at each edge time.
    static func edgeStore() throws -> (SQLiteFlowStore, TemporaryDirectory, [Flow]) {
        let directory = try TemporaryDirectory()
        var lines: [String] = []
        for (index, time) in edgeTimes.enumerated() {
            lines.append(FlowLines.flow(uuid: FlowLines.uuid(2 * index + 1), time: time, drop: true))
            lines.append(FlowLines.flow(uuid: FlowLines.uuid(2 * index + 2), time: time, to: "database"))
        }
        let file = try directory.write("edges.jsonl", lines.joined(separator: "\n") + "\n")
        let database = directory.path("edges.db")
        let result = try ingest([.file(file)], into: database)
        #expect(result.diagnostics.isEmpty, "every edge time is in range")
        let store = try SQLiteFlowStore(path: database)
        return (store, directory, try store.flows(matching: FlowQuery(), last: nil))
    }

    static let bounds: [Int64?] = [
        nil, Int64.min + 1, Int64.min + 2, -9_223_372_036_000_000_000, -9_223_369_000_000_000_000,
        0, 9_223_369_000_000_000_000, Int64.max - 1, Int64.max,
    ]

    struct Window: Sendable, CustomTestStringConvertible {
        var since: Int64?
        var until: Int64?
        var testDescription: String { "[\(since.map(String.init) ?? "-∞"), \(until.map(String.init) ?? "∞"))" }
    }

    static let windows: [Window] = bounds.flatMap { since in bounds.map { Window(since: since, until: $0) } }

    @Test(arguments: windows)
    func storeAnswersAgreeWithTheFlows(_ window: Window) throws {
        let (store, _, flows) = try Self.edgeStore()
        var query = FlowQuery()
        query.since = window.since.map(Timestamp.init(rawValue:))
        query.until = window.until.map(Timestamp.init(rawValue:))
        let matching = flows.filter(query.matches)
        let drops = try store.dropCounts(matching: query)
        #expect(drops.reduce(0) { $0 + $1.count } == Int64(matching.filter(\.countsAsDrop).count))
        let connections = try store.connectionCounts(matching: query, withPodAddresses: false)
        #expect(connections.reduce(0) { $0 + $1.count } == Int64(matching.count))
        let perHour = try store.dropsPerHour(matching: query)
        #expect(perHour.values.reduce(0, +) == Int64(matching.filter(\.countsAsDrop).count))
        if let since = query.since, let until = query.until, since < until {
            let report = try ReportBuilder.build(store: store, window: ReportWindow(since: since, until: until), generatedAt: until)
            #expect(report.totals.flows == Int64(matching.count))
            if report.dropsPerHour.count < ReportBuilder.maximumHours {  // longer windows list their first 400 days
                #expect(report.dropsPerHour.reduce(0) { $0 + $1.count } == report.totals.dropped)
            }
        }
    }

    @Test func hourStartsCoverTheEdgesOfTime() {
        let last = ReportBuilder.hourStarts(in: ReportWindow(since: Timestamp(rfc3339: "2262-04-11T22:30:00Z")!, until: .latest))
        #expect(last.map { $0.rfc3339(fractionDigits: 0) } == ["2262-04-11T22:00:00Z", "2262-04-11T23:00:00Z"])
        let first = ReportBuilder.hourStarts(in: ReportWindow(since: .earliest, until: Timestamp(rfc3339: "1677-09-21T01:00:00Z")!))
        #expect(first == [.earliest])
        #expect(ReportBuilder.hourStarts(in: ReportWindow(since: .latest, until: .earliest)).isEmpty)
        #expect(ReportBuilder.hourStarts(in: ReportWindow(since: .earliest, until: .latest)).count == ReportBuilder.maximumHours)
    }

    @Test(arguments: [Int64.min + 1, -9_223_372_036_000_000_000, 0, 9_223_372_030_000_000_000, Int64.max - 1, Int64.max])
    func pruneAtTheEdgesKeepsTheRollupsExact(_ cut: Int64) throws {
        let (store, _, flows) = try Self.edgeStore()
        _ = try store.prune(before: Timestamp(rawValue: cut))
        let kept = flows.filter { $0.time.rawValue >= cut }
        #expect(try store.flows(matching: FlowQuery(), last: nil).count == kept.count)
        #expect(try store.dropCounts(matching: FlowQuery()).reduce(0) { $0 + $1.count } == Int64(kept.filter(\.countsAsDrop).count))
        #expect(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false).reduce(0) { $0 + $1.count }
            == Int64(kept.count))
    }
}
