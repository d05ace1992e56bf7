import Foundation
import Testing

/// Lines that carry Hubble's exporter aggregation counts count as that many flows in `drops`,
/// `report` and `stats`, and `observe -o json` writes them so a re-ingest counts the same.
@Suite struct AggregatedFlowsCLITests {
    static func line(second: Int, uuid: Int, verdict: String, aggregate: String) -> String {
        let time = "2026-11-20T10:00:\(second < 10 ? "0" : "")\(second)Z"
        let event = verdict == "DROPPED" ? #","drop_reason_desc":"POLICY_DENIED","event_type":{"type":1}"# : #","event_type":{"type":4}"#
        return #"{"flow":{"time":""# + time + #"","uuid":"6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a"# + String(format: "%02x", uuid)
            + #"","verdict":""# + verdict + #"""# + event
            + #","IP":{"source":"10.0.1.15","destination":"10.0.2.20","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":43512,"destination_port":8080}},"#
            + #""source":{"identity":1234,"namespace":"production","labels":["k8s:app=frontend"],"pod_name":"frontend-1"},"#
            + #""destination":{"identity":5678,"namespace":"production","labels":["k8s:app=api"],"pod_name":"api-1"},"traffic_direction":"EGRESS""#
            + aggregate + #"},"node_name":"kind-worker","time":""# + time + #""}"#
    }

    static let input = [
        line(second: 5, uuid: 1, verdict: "DROPPED", aggregate: #","aggregate":{"ingress_flow_count":2,"egress_flow_count":5}"#),
        line(second: 6, uuid: 2, verdict: "DROPPED", aggregate: ""),
        line(second: 7, uuid: 3, verdict: "DROPPED", aggregate: #","aggregate":{"unknown_direction_flow_count":0}"#),
        line(second: 8, uuid: 4, verdict: "FORWARDED", aggregate: #","aggregate":{"egress_flow_count":30}"#),
        // A negative count is a warning; the line is skipped and the others kept.
        line(second: 9, uuid: 5, verdict: "DROPPED", aggregate: #","aggregate":{"egress_flow_count":-4}"#),
    ].joined(separator: "\n") + "\n"

    static let window = ["--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T11:00:00Z"]

    @Test func anAggregatedLineCountsAsItsFlowsAndSurvivesAnExport() throws {
        let scratch = try Scratch()
        let first = scratch.path("first.db")
        let second = scratch.path("second.db")
        let flows = scratch.path("flows.jsonl")
        try Self.input.write(toFile: flows, atomically: true, encoding: .utf8)
        let ingest = try Flowlog.run(["ingest", "--db", first, flows])
        #expect(ingest.status == 0, "\(ingest.standardError)")
        #expect(ingest.standardError.contains("egress_flow_count"), "the bad line is a warning naming the field")

        let drops = try Flowlog.run(["drops", "--db", first] + Self.window)
        #expect(drops.status == 0)
        #expect(drops.standardOutput.split(separator: "\n").dropFirst().map { $0.split(separator: " ").first } == ["9"],
                "7 + 1 + 1 drops: \(drops.standardOutput)")
        let report = try Flowlog.run(["report", "--db", first, "-o", "json"] + Self.window)
        #expect(report.standardOutput.contains(#""totals":{"flows":39,"forwarded":30,"dropped":9,"#), "\(report.standardOutput)")
        let stats = try Flowlog.run(["stats", "--db", first]).standardOutput
        #expect(stats.contains("flows:         39"), "\(stats)")

        let export = try Flowlog.run(["observe", "--db", first, "--all", "-o", "json"])
        #expect(export.status == 0)
        let reingest = try Flowlog.run(["ingest", "--db", second, "-"], input: Data(export.standardOutput.utf8))
        #expect(reingest.status == 0, "\(reingest.standardError)")
        #expect(try Flowlog.run(["drops", "--db", second] + Self.window).standardOutput == drops.standardOutput)
        #expect(try Flowlog.run(["report", "--db", second, "-o", "json"] + Self.window).standardOutput
                    .contains(#""totals":{"flows":39,"forwarded":30,"dropped":9,"#))
    }
}
