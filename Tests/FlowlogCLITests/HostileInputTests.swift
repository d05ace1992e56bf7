import Foundation
import Testing

/// A corpus of malformed and adversarial flow lines: ingest never crashes, keeps every good
/// line, reports every bad one by line number, and the outputs neutralise what the values carry.
@Suite struct HostileInputTests {
    /// A valid flow line with `field` spliced in (JSON text) and an optional pod name.
    static func flow(_ extra: String = "", pod: String = "web-1", labels: String = #""k8s:app=web""#, uuid: Int = 500) -> String {
        let id = String(format: "%012x", uuid)
        return #"{"flow":{"time":"2026-11-20T10:00:00Z","uuid":"00000000-0000-4000-8000-\#(id)","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED","event_type":{"type":1,"sub_type":133},"IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":40000,"destination_port":443}},"source":{"identity":100,"namespace":"prod","pod_name":"\#(pod)","labels":[\#(labels)]},"destination":{"identity":2,"labels":["reserved:world"]}\#(extra)}}"#
    }

    /// (what, line, whether it is a good flow that must be stored)
    static let corpus: [(String, [UInt8], Bool)] = {
        var cases: [(String, String, Bool)] = [
            ("truncated JSON", #"{"flow":{"verdict":"DROPPED""#, false),
            ("an empty object", "{}", false),
            ("an array", "[]", false),
            ("a string", #""flow""#, false),
            ("a number", "42", false),
            ("deeply nested arrays", String(repeating: "[", count: 10_000), false),
            ("deeply nested objects in a flow", #"{"flow":{"l7":"# + String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 202), false),
            ("a raw control character in a string", flow().replacingOccurrences(of: "web-1", with: "web\u{01}1"), false),
            ("port out of range", flow().replacingOccurrences(of: #""destination_port":443"#, with: #""destination_port":70000"#), false),
            ("negative port", flow().replacingOccurrences(of: #""destination_port":443"#, with: #""destination_port":-1"#), false),
            ("identity over 32 bits", flow().replacingOccurrences(of: #""identity":100"#, with: #""identity":1099511627776"#), false),
            ("a time out of range", flow().replacingOccurrences(of: "2026-11-20T10:00:00Z", with: "0001-01-01T00:00:00Z"), false),
            ("a time that is not one", flow().replacingOccurrences(of: "2026-11-20T10:00:00Z", with: "yesterday"), false),
            ("verdict as an object", flow().replacingOccurrences(of: #""verdict":"DROPPED""#, with: #""verdict":{}"#), false),
            ("verdict as an array", flow().replacingOccurrences(of: #""verdict":"DROPPED""#, with: #""verdict":[]"#), false),
            ("verdict as a boolean", flow().replacingOccurrences(of: #""verdict":"DROPPED""#, with: #""verdict":true"#), false),
            ("an unknown verdict name", flow().replacingOccurrences(of: #""verdict":"DROPPED""#, with: #""verdict":"EXPLODED""#), false),
            ("source as a string", flow().replacingOccurrences(of: #""source":{"identity":100"#, with: #""source":"x","s":{"identity":100"#), false),
            ("labels as an object", flow(labels: "").replacingOccurrences(of: #""labels":[]"#, with: #""labels":{}"#), false),
            ("a number among labels", flow(labels: #""k8s:app=web",7"#), false),
            ("workloads as a string", flow(#","x":1"#).replacingOccurrences(of: #""pod_name":"web-1""#, with: #""pod_name":"web-1","workloads":"Deployment""#), false),
            ("an address as a number", flow().replacingOccurrences(of: #""source":"10.0.0.1""#, with: #""source":167772161"#), false),
            ("an address that is not one", flow().replacingOccurrences(of: "10.0.0.1", with: "999.1.1.1"), false),
            ("a uuid that is not one", flow().replacingOccurrences(of: "00000000-0000-4000-8000-", with: "zz"), false),
            ("TCP as an array", flow().replacingOccurrences(of: #""TCP":{"source_port":40000,"destination_port":443}"#, with: #""TCP":[40000,443]"#), false),
            ("is_reply as a string", flow(#","is_reply":"yes""#), false),
            ("event_type as a number", flow().replacingOccurrences(of: #""event_type":{"type":1,"sub_type":133}"#, with: #""event_type":1"#), false),
            ("node_name as an object", flow(#","node_name":{"n":1}"#), false),
            ("a port with an exponent", flow().replacingOccurrences(of: #""destination_port":443"#, with: #""destination_port":4e2"#), false),
            ("a port with a fraction", flow().replacingOccurrences(of: #""destination_port":443"#, with: #""destination_port":443.5"#), false),
            ("an unterminated string", #"{"flow":{"verdict":"DROPPED}}"#, false),
            ("garbage after the object", flow() + " xyz", false),
            ("a byte-order mark", "\u{FEFF}" + flow(uuid: 99), false),
            ("a line over 1 MiB", flow(#","Summary":""# + String(repeating: "a", count: 10 << 20) + "\"", uuid: 98), false),
            // Good lines: valid JSON with hostile or odd values, stored and rendered safely.
            ("duplicate keys (the last wins)", flow(#","verdict":"DROPPED""#, uuid: 1), true),
            ("an escaped NUL in a pod name", flow(pod: #"web\u00001"#, uuid: 2), true),
            ("a huge label array", flow(labels: (0..<5000).map { #""k8s:l\#($0)=v""# }.joined(separator: ","), uuid: 3), true),
            ("SQL in a label", flow(labels: #""k8s:app=x'); DROP TABLE flows;--""#, uuid: 4), true),
            ("HTML in a label", flow(labels: #""k8s:app=<script>alert(1)</script>""#, uuid: 5), true),
            ("a CSV formula as a pod, a label and a namespace",
             flow(pod: "=cmd|' /C calc'!A0", labels: #""k8s:app=@SUM(1+1)""#, uuid: 6)
                .replacingOccurrences(of: #""namespace":"prod""#, with: #""namespace":"=HYPERLINK(\"http://x\")""#), true),
            ("a terminal escape in a pod and label", flow(pod: #"\u001b[31mred"#, labels: #""k8s:app=\u001b]0;pwned\u0007""#, uuid: 7), true),
            ("a lone surrogate escape", flow(pod: #"web\ud800"#, uuid: 8), true),
            ("unknown keys everywhere", flow(#","future_field":{"nested":[1,2,{"x":null}]}"#, uuid: 9), true),
        ]
        var lines = cases.map { ($0.0, Array($0.1.utf8), $0.2) }
        lines.insert(("invalid UTF-8", Array(flow(uuid: 97).utf8.prefix(60)) + [0xC3, 0x28] + Array(flow(uuid: 97).utf8.dropFirst(60)), false), at: 8)
        lines.insert(("a raw NUL byte", Array(#"{"flow":{"node_name":"a"#.utf8) + [0] + Array(#"b"}}"#.utf8), false), at: 9)
        return lines
    }()

    @Test func ingestKeepsEveryGoodLineAndReportsEveryBadOne() throws {
        #expect(Self.corpus.count >= 40)
        let scratch = try Scratch()
        let input = scratch.path("hostile.jsonl")
        var data = Data()
        for (_, line, _) in Self.corpus { data += line + [0x0A] }
        try data.write(to: URL(fileURLWithPath: input))
        let database = scratch.path("flows.db")
        let result = try Flowlog.run(["ingest", "--db", database, "--max-warnings", "100", input])
        #expect(result.status == 0, "\(result.standardError.prefix(2000))")
        let good = Self.corpus.filter(\.2).count
        let bad = Self.corpus.count - good
        #expect(result.standardError.contains("ingested \(good) flows, 0 duplicates, \(bad) skipped"), "\(result.standardError.suffix(500))")
        let warned = Set(result.standardError.split(separator: "\n").compactMap { line -> Int? in
            guard line.contains(": warning: ") else { return nil }
            return Int(line.split(separator: ":")[1])
        })
        let expected = Set(Self.corpus.enumerated().filter { !$0.element.2 }.map { $0.offset + 1 })
        #expect(warned == expected, "bad lines not reported: \(expected.subtracting(warned).map { Self.corpus[$0 - 1].0 })")
        #expect(!result.standardError.contains("\u{1B}"), "diagnostics neutralise terminal escapes")

        let table = try Flowlog.run(["drops", "--db", database, "--by", "pod", "--top", "0"])
        #expect(table.status == 0)
        #expect(!table.standardOutput.contains("\u{1B}") && !table.standardOutput.contains("\u{07}"))
        #expect(table.standardOutput.contains("\\u{1B}[31mred"))
        let csv = try Flowlog.run(["drops", "--db", database, "--by", "namespace", "--top", "0", "-o", "csv"])
        #expect(csv.standardOutput.contains(#""'=HYPERLINK(""http://x"")""#), "\(csv.standardOutput)")
        #expect(!csv.standardOutput.split(separator: "\r\n").contains { $0.hasPrefix("=") || $0.contains(",=") || $0.contains(",\"=") })
        let podCSV = try Flowlog.run(["drops", "--db", database, "--by", "pod", "--top", "0", "-o", "csv"])
        #expect(!podCSV.standardOutput.contains("\u{1B}") && !podCSV.standardOutput.contains("\u{0}"))
        let observe = try Flowlog.run(["observe", "--db", database, "--all", "-o", "table"])
        #expect(!observe.standardOutput.contains("\u{1B}"))
        let stats = try Flowlog.run(["stats", "--db", database])
        #expect(stats.standardOutput.contains("flows:         \(good)\n"), "the SQL in a label was stored as text")
    }
}
