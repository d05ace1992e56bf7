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

private func at(_ offset: Int64, nanoseconds: Int64 = 0) -> Timestamp {
    Timestamp(seconds: Fixtures.baseSeconds + offset, nanoseconds: nanoseconds)
}

/// A report with a hostile source group, as a label value from a flow could make it.
private let hostile = #"=HYPERLINK("http://evil","x") | <b>&"#

private let report = DropReport(
    grouping: .labels,
    groups: [
        DropGroup(source: "production/app=frontend", destination: "databases/app=postgres", count: 7,
                  firstSeen: at(0, nanoseconds: 123_456_789), lastSeen: at(3600),
                  ports: [PortCount(proto: .tcp, port: 5432, count: 6), PortCount(proto: .icmpv4, port: 8, count: 1)],
                  reasons: [ReasonCount(reason: .policyDenied, count: 5), ReasonCount(reason: .policyDeny, count: 2)]),
        DropGroup(source: hostile, destination: "world", count: 2, firstSeen: at(60), lastSeen: at(120),
                  ports: [PortCount(proto: .udp, port: 53, count: 2)],
                  reasons: [ReasonCount(reason: DropReason(rawValue: 250), count: 2)]),
    ],
    totalDrops: 10, totalGroups: 3)

private func render(_ format: DropReportFormat, _ report: DropReport) -> String {
    var out = ""
    format.render(report, to: &out)
    return out
}

@Suite struct DropReportRenderersTests {
    // MARK: - JSON

    @Test func jsonParsesAndHasTheDocumentedKeys() throws {
        let text = render(.json, report)
        #expect(text.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["grouping", "total_drops", "total_groups", "groups"])
        #expect(object["grouping"] as? String == "labels")
        #expect(object["total_drops"] as? Int == 10)
        #expect(object["total_groups"] as? Int == 3)

        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.count == 2)
        let first = groups[0]
        #expect(Set(first.keys) == ["source", "destination", "count", "first_seen", "last_seen", "ports", "reasons"])
        #expect(first["source"] as? String == "production/app=frontend")
        #expect(first["destination"] as? String == "databases/app=postgres")
        #expect(first["count"] as? Int == 7)
        #expect(first["first_seen"] as? String == "2026-11-20T10:00:00.123456789Z")
        #expect(first["last_seen"] as? String == "2026-11-20T11:00:00.000000000Z")

        let ports = try #require(first["ports"] as? [[String: Any]])
        #expect(ports.map { Set($0.keys) } == [["protocol", "port", "count"], ["protocol", "port", "count"]])
        #expect(ports.map { $0["protocol"] as? String } == ["TCP", "ICMPv4"])
        #expect(ports.map { $0["port"] as? Int } == [5432, 8])
        #expect(ports.map { $0["count"] as? Int } == [6, 1])

        let reasons = try #require(first["reasons"] as? [[String: Any]])
        #expect(reasons.map { Set($0.keys) } == [["reason", "count"], ["reason", "count"]])
        #expect(reasons.map { $0["reason"] as? String } == ["POLICY_DENIED", "POLICY_DENY"])
        #expect(reasons.map { $0["count"] as? Int } == [5, 2])
    }

    @Test func jsonKeepsHostileTextAsData() throws {
        let text = render(.json, report)
        #expect(!text.contains("<b>"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups[1]["source"] as? String == hostile)
        let reasons = try #require(groups[1]["reasons"] as? [[String: Any]])
        #expect(reasons.first?["reason"] as? String == "250")
    }

    @Test func jsonOfAnEmptyReport() {
        let empty = DropReport(grouping: .namespace, groups: [], totalDrops: 0, totalGroups: 0)
        #expect(render(.json, empty) == #"{"grouping":"namespace","total_drops":0,"total_groups":0,"groups":[]}"# + "\n")
    }

    // MARK: - CSV

    @Test func csvHasAHeaderAndNeutralisesFormulas() {
        let text = render(.csv, report)
        #expect(text == "count,source,destination,ports,reasons,first_seen,last_seen\r\n"
            + "7,production/app=frontend,databases/app=postgres,TCP/5432 ICMPv4 type 8,POLICY_DENIED POLICY_DENY,"
            + "2026-11-20T10:00:00.123456789Z,2026-11-20T11:00:00.000000000Z\r\n"
            + #"2,"'=HYPERLINK(""http://evil"",""x"") | <b>&",world,UDP/53,250,"#
            + "2026-11-20T10:01:00.000000000Z,2026-11-20T10:02:00.000000000Z\r\n")
    }

    @Test func csvOfAnEmptyReportIsTheHeader() {
        let empty = DropReport(grouping: .labels, groups: [], totalDrops: 0, totalGroups: 0)
        #expect(render(.csv, empty) == "count,source,destination,ports,reasons,first_seen,last_seen\r\n")
    }

    // MARK: - Markdown

    @Test func markdownTableRows() {
        #expect(render(.markdown, report) == """
            | Count | Source | Destination | Ports | Reasons | First seen | Last seen |
            |------:|--------|-------------|-------|---------|------------|-----------|
            | 7 | production/app=frontend | databases/app=postgres | TCP/5432,ICMPv4 type 8 | POLICY_DENIED,POLICY_DENY | 2026-11-20T10:00:00Z | 2026-11-20T11:00:00Z |
            | 2 | =HYPERLINK("http://evil","x") \\| &lt;b&gt;&amp; | world | UDP/53 | 250 | 2026-11-20T10:01:00Z | 2026-11-20T10:02:00Z |

            2 of 3 groups shown; 10 drops in all.

            """)
    }

    @Test func markdownOfAnEmptyReport() {
        let empty = DropReport(grouping: .labels, groups: [], totalDrops: 0, totalGroups: 0)
        #expect(render(.markdown, empty) == "No dropped flows match.\n")
    }

    // MARK: - Table

    @Test func tableListsManyPortsAsAMore() {
        let ports = (1...8).map { PortCount(proto: .tcp, port: UInt16(8000 + $0), count: 1) }
        let wide = DropReport(grouping: .labels,
                              groups: [DropGroup(source: "a", destination: "b", count: 8, firstSeen: at(0), lastSeen: at(1),
                                                 ports: ports, reasons: [ReasonCount(reason: .policyDenied, count: 8)])],
                              totalDrops: 8, totalGroups: 1)
        #expect(render(.table, wide) == """
            COUNT  SOURCE  DESTINATION  PORTS                                                          REASONS        FIRST SEEN            LAST SEEN
            8      a       b            TCP/8001,TCP/8002,TCP/8003,TCP/8004,TCP/8005,TCP/8006,+2 more  POLICY_DENIED  2026-11-20T10:00:00Z  2026-11-20T10:00:01Z

            """)
    }

    @Test func tableSaysWhenGroupsWereCut() {
        let text = render(.table, report)
        #expect(text.hasSuffix("(2 of 3 groups shown; 10 drops in all)\n"))
        #expect(!text.contains("\u{1B}"))
    }

    @Test func tableOfAnEmptyReport() {
        #expect(render(.table, DropReport(grouping: .pod, groups: [], totalDrops: 0, totalGroups: 0)) == "No dropped flows match.\n")
    }

    @Test(arguments: DropReportFormat.allCases)
    func formatDispatchesToItsRenderer(_ format: DropReportFormat) {
        var direct = ""
        switch format {
        case .table: DropTableRenderer().render(report, to: &direct)
        case .json: DropJSONRenderer().render(report, to: &direct)
        case .csv: DropCSVRenderer().render(report, to: &direct)
        case .markdown: DropMarkdownRenderer().render(report, to: &direct)
        case .dot: DropGraphRenderer(style: .dot).render(report, to: &direct)
        case .mermaid: DropGraphRenderer(style: .mermaid).render(report, to: &direct)
        }
        #expect(!direct.isEmpty)
        #expect(render(format, report) == direct)
    }

    struct PenWidthCase: Sendable, CustomTestStringConvertible {
        var count: Int64, largest: Int64, expected: String
        var testDescription: String { "\(count) of \(largest)" }
    }

    /// Edge width grows with the count: 1 for none, 8 for the largest pair, in proportion between;
    /// counts from a damaged database (negative, above the largest, 64-bit extremes) stay in range.
    @Test(arguments: [
        PenWidthCase(count: 10, largest: 10, expected: "8.0"),
        PenWidthCase(count: 5, largest: 10, expected: "4.5"),
        PenWidthCase(count: 1, largest: 3, expected: "3.3"),
        PenWidthCase(count: 0, largest: 10, expected: "1.0"),
        PenWidthCase(count: -3, largest: 10, expected: "1.0"),
        PenWidthCase(count: 20, largest: 10, expected: "8.0"),
        PenWidthCase(count: .max, largest: .max, expected: "8.0"),
        PenWidthCase(count: 1, largest: 0, expected: "1.0"),
    ])
    func dotEdgeWidthScalesWithTheCount(_ testCase: PenWidthCase) {
        #expect(DropGraphRenderer.penWidth(testCase.count, largest: testCase.largest) == testCase.expected)
    }

    @Test func theDropGraphHasOneNodePerGroupAndEscapesLabels() {
        let hostile = DropReport(grouping: .workload, groups: [
            DropGroup(source: "prod/\"quoted\" <b>", destination: "world", count: 3,
                      firstSeen: Timestamp(rawValue: 0), lastSeen: Timestamp(rawValue: 0),
                      ports: [PortCount(proto: .tcp, port: 443, count: 3)], reasons: []),
            DropGroup(source: "world", destination: "prod/api", count: 1,
                      firstSeen: Timestamp(rawValue: 0), lastSeen: Timestamp(rawValue: 0),
                      ports: [PortCount(proto: .udp, port: 53, count: 1)], reasons: []),
        ], totalDrops: 4, totalGroups: 2)
        let dot = render(.dot, hostile)
        #expect(dot.contains(#"n0 [label="prod/\"quoted\" <b>"];"#))
        #expect(dot.contains(#"n0 -> n1 [label="3 drops: TCP/443", penwidth=8.0];"#))
        #expect(dot.contains(#"n1 -> n2 [label="1 drops: UDP/53", penwidth=3.3];"#))
        #expect(dot.hasPrefix("digraph drops {\n  rankdir=TB;\n") && dot.hasSuffix("}\n"))
        let mermaid = render(.mermaid, hostile)
        #expect(mermaid.contains(#"n0["prod/#quot;quoted#quot; #lt;b#gt;"]"#))
        #expect(mermaid.contains(#"n0 -- "3 drops: TCP/443" --> n1"#))
        #expect(mermaid.hasPrefix("flowchart LR\n"))
    }
}
