import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// An input in which no line is a Hubble record is rejected with what it looks like, stores
/// nothing and leaves no position; the other inputs of the run are stored.
@Suite struct NonHubbleInputTests {
    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("flows.db")
    }

    /// Table: a first line → the hint.
    static let samples: [(line: [UInt8], problem: String, hint: InputHint)] = [
        ([0x1F, 0x8B, 0x08, 0x00, 0xC3], "invalid UTF-8", .gzip),
    ] + [(line: String, problem: String, hint: InputHint)]([
        ("Nov 20 10:00:00.123: default/a:1234 (ID:1) -> default/b:80 (ID:2) to-endpoint FORWARDED (TCP Flags: SYN)",
         "expected an object, found 'N'", .compactText),
        ("TIMESTAMP             SOURCE   DESTINATION   TYPE   VERDICT   SUMMARY", "expected an object, found 'T'", .compactText),
        (#"{"level":"info","msg":"started"}"#, "not a Hubble record: no flow, lost_events, node_status, agent_event or debug_event", .jsonNotHubble),
        (#"{"flow": {"#, "unexpected end of the line", .notJSON),
        (#"[{"flow":{}}]"#, "expected an object, found '['", .jsonArray),
        ("# flowlog", "expected an object, found '#'", .notJSON),
        ("ab\u{0}cd", "expected an object, found 'a'", .binary),
    ]).map { (Array($0.line.utf8), $0.problem, $0.hint) }

    @Test(arguments: samples.indices)
    func theHintNamesWhatTheInputLooksLike(_ index: Int) {
        let sample = Self.samples[index]
        #expect(InputHint.classify(sample.line, problem: sample.problem) == sample.hint)
    }

    @Test func anInputWithoutARecordIsRejectedAndTheOthersAreStored() throws {
        let compact = try directory.write("compact.txt", """
            Nov 20 10:00:00.123: default/a:1234 (ID:1) -> default/b:80 (ID:2) to-endpoint DROPPED (Policy denied)

            Nov 20 10:00:01.123: default/a:1234 (ID:1) -> default/b:80 (ID:2) to-endpoint FORWARDED (TCP Flags: SYN)

            """)
        let good = try directory.write("good.jsonl", (1...3).map { FlowLines.flow(uuid: FlowLines.uuid($0)) + "\n" }.joined())
        let result = try ingest([.file(compact), .file(good)], into: database)
        #expect(result.summary.rejectedInputs == 1)
        #expect(result.summary.failedInputs == 0)
        #expect(result.summary.ingested == 3)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.input) == [compact])
        #expect(errors.first?.message == "no line is a Hubble record: \(InputHint.compactText); nothing was stored from it")
        let store = try SQLiteFlowStore(path: database)
        #expect(try store.checkpoints(family: compact).isEmpty, "a position was saved for the rejected input")
        #expect(try store.checkpoints(family: good).count == 1)
        // Nothing remembered: the next run judges it again, the same way.
        let again = try ingest([.file(compact)], into: database)
        #expect(again.summary.rejectedInputs == 1)
        #expect(again.summary.lines == 3)
    }

    @Test func oneRecordAmongBadLinesIsEnough() throws {
        let mixed = try directory.write("mixed.jsonl", "not json\n" + FlowLines.flow(uuid: FlowLines.uuid(1)) + "\nalso not\n")
        let result = try ingest([.file(mixed)], into: database)
        #expect(result.summary.rejectedInputs == 0)
        #expect(result.summary.ingested == 1)
        #expect(result.summary.skipped == 2)
        #expect(try SQLiteFlowStore(path: database).checkpoints(family: mixed).count == 1)
    }

    @Test func aFileThatGrewWithBadLinesIsNotRejected() throws {
        let file = try directory.write("a.jsonl", FlowLines.flow(uuid: FlowLines.uuid(1)) + "\n")
        _ = try ingest([.file(file)], into: database)
        try directory.append("a.jsonl", "garbage\n")
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.rejectedInputs == 0, "judged on its new lines only")
        #expect(second.summary.skipped == 1)
    }

    @Test func anEmptyInputIsNotRejected() throws {
        let empty = try directory.write("empty.jsonl", "\n\n")
        let result = try ingest([.file(empty)], into: database)
        #expect(result.summary.rejectedInputs == 0)
        #expect(result.diagnostics.isEmpty)
    }
}
