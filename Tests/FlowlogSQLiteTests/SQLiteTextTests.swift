import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// Text goes into SQLite and comes back as its exact bytes: a NUL inside a value is data, not
/// the end of a C string (issue #14: `ns\u0000evil` was stored as `ns`, merging two pods).
@Suite struct SQLiteTextTests {
    @Test(arguments: ["ns\u{0}evil", "\u{0}", "a\u{0}\u{0}b", "", "naïve ☃︎", "trailing\u{0}"])
    func boundTextReadsBackByteForByte(_ value: String) throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (value TEXT NOT NULL)")
        let insert = try connection.prepare("INSERT INTO t (value) VALUES (?)")
        try insert.bind(value, at: 1)
        try insert.run()
        let select = try connection.prepare("SELECT value, length(CAST(value AS BLOB)) FROM t")
        #expect(try select.step())
        #expect(select.string(0) == value)
        #expect(select.int64(1) == Int64(value.utf8.count))
    }

    @Test func textThatDiffersAfterANULIsNotMatchedByTheShorterValue() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (value TEXT NOT NULL UNIQUE)")
        for value in ["ns\u{0}evil", "ns"] {
            let insert = try connection.prepare("INSERT INTO t (value) VALUES (?)")
            try insert.bind(value, at: 1)
            try insert.run()
        }
        let select = try connection.prepare("SELECT count(*) FROM t WHERE value = ?")
        try select.bind("ns", at: 1)
        #expect(try select.step())
        #expect(select.int64(0) == 1)
    }

    @Test func namespacesPodsNodesAndSummariesKeepTheirNULs() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteFlowStore(path: directory.path("flows.db"))
        // Same identity and labels: only the text after the NUL tells the two sources apart.
        func line(_ uuid: Int, _ suffix: String) -> String {
            #"{"flow":{"time":"2026-11-20T10:00:0\#(uuid)Z","uuid":"\#(FlowLines.uuid(uuid))","verdict":"FORWARDED","#
                + #""IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":40000,"destination_port":80}},"#
                + #""source":{"identity":100,"namespace":"ns\#(suffix)","pod_name":"web\#(suffix)","labels":["k8s:app=web"]},"#
                + #""destination":{"identity":200,"namespace":"ns","pod_name":"db","labels":["k8s:app=db"]},"#
                + #""node_name":"node\#(suffix)","event_type":{"type":4},"Summary":"sum\#(suffix)"}}"#
        }
        var decoder = FlowDecoder()
        var batch = IngestBatch()
        for text in [line(1, #"\u0000evil"#), line(2, "")] {
            if case .flow(let flow) = try decoder.decode(text) { batch.flows.append(flow) }
        }
        try #require(batch.flows.count == 2)
        #expect(batch.flows[0].source.namespace == "ns\u{0}evil", "the decoder keeps the NUL")
        _ = try store.write(batch)
        #expect(try store.statistics().endpoints == 3, "two sources and one destination, not one source")
        let stored = try store.flows(matching: FlowQuery(), last: nil)
        #expect(stored == batch.flows)
        #expect(stored.map(\.source.namespace) == ["ns\u{0}evil", "ns"])
        #expect(stored.map(\.source.podName) == ["web\u{0}evil", "web"])
        #expect(stored.map(\.nodeName) == ["node\u{0}evil", "node"])
        #expect(stored.map(\.summary) == ["sum\u{0}evil", "sum"])
        var query = FlowQuery()
        query.source.namespaces = ["ns"]
        #expect(try store.flows(matching: query, last: nil).count == 1)
    }
}
