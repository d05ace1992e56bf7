import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

@Suite struct IngestorTests {
    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("flows.db")
    }

    func lines(_ range: ClosedRange<Int>) -> String {
        range.map { FlowLines.flow(uuid: FlowLines.uuid($0)) + "\n" }.joined()
    }

    @Test func ingestingTheSameFileTwiceStoresEachFlowOnce() throws {
        let file = try directory.write("a.jsonl", lines(1...5))
        let first = try ingest([.file(file)], into: database)
        let second = try ingest([.file(file)], into: database)
        #expect(first.summary.ingested == 5)
        #expect(second.summary.ingested == 0)
        #expect(second.summary.lines == 0, "the checkpoint means nothing is read again")
        #expect(try storedFlows(database).count == 5)
    }

    @Test func aGrownFileIsReadFromWhereTheLastRunStopped() throws {
        let file = try directory.write("a.jsonl", lines(1...3))
        _ = try ingest([.file(file)], into: database)
        try directory.append("a.jsonl", lines(4...5) + "not json\n")
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.lines == 3)
        #expect(second.summary.ingested == 2)
        #expect(second.diagnostics.map(\.line) == [6], "line numbers continue across runs")
        #expect(try storedFlows(database).compactMap(\.uuid).map(\.description) == (1...5).map(FlowLines.uuid))
    }

    @Test func aRotatedFileIsReadFromItsStart() throws {
        let file = try directory.write("a.jsonl", lines(1...3))
        _ = try ingest([.file(file)], into: database)
        try FileManager.default.moveItem(atPath: file, toPath: directory.path("a.jsonl.1"))
        try directory.write("a.jsonl", lines(4...5))
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.ingested == 2)
        #expect(second.diagnostics.contains { $0.severity == .note && $0.message.contains("rotated") })
        #expect(try storedFlows(database).count == 5)
    }

    @Test func aTruncatedFileIsReadFromItsStart() throws {
        let file = try directory.write("a.jsonl", lines(1...4))
        _ = try ingest([.file(file)], into: database)
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(lines(7...7).utf8))
        try handle.close()
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.ingested == 1)
        #expect(second.diagnostics.contains { $0.message.contains("truncated") })
        #expect(try storedFlows(database).count == 5)
    }

    @Test func aFileRewrittenInPlaceIsNoticedByItsFirstBytes() throws {
        let file = try directory.write("a.jsonl", lines(1...2))
        _ = try ingest([.file(file)], into: database)
        // Same inode, same length, different content: only the head hash tells.
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.write(contentsOf: Data(lines(8...9).utf8))
        try handle.close()
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.ingested == 2)
        #expect(second.diagnostics.contains { $0.message.contains("changed") })
    }

    @Test func theSameUUIDFromTwoInputsIsStoredOnce() throws {
        let a = try directory.write("a.jsonl", lines(1...3))
        let b = try directory.write("b.jsonl", lines(2...4))
        let result = try ingest([.file(a), .file(b)], into: database)
        #expect(result.summary.ingested == 4)
        #expect(result.summary.duplicates == 2)
        #expect(try storedFlows(database).count == 4)
    }

    @Test func malformedLinesAreReportedWithTheirLineNumberAndSkipped() throws {
        var options = IngestOptions()
        options.maxLineBytes = 4096
        var content = Data(lines(1...1).utf8)
        content += Data("{\"flow\":{\"verdict\":\n".utf8)                    // 2: truncated
        content += Data(lines(2...2).utf8)                                      // 3
        content += Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A])             // 4: invalid UTF-8
        content += Data((String(repeating: "x", count: 10_000) + "\n").utf8)    // 5: too long
        content += Data(FlowLines.flow(uuid: FlowLines.uuid(3)).replacingOccurrences(of: "\"verdict\":\"FORWARDED\"", with: "\"verdict\":{}").utf8)
        content += Data("\n".utf8)                                              // 6: wrong type
        content += Data(lines(4...4).utf8)                                      // 7
        let file = directory.path("bad.jsonl")
        try content.write(to: URL(fileURLWithPath: file))
        let result = try ingest([.file(file)], into: database, options: options)
        #expect(result.summary.ingested == 3)
        #expect(result.summary.skipped == 4)
        #expect(result.diagnostics.map(\.line) == [2, 4, 5, 6])
        #expect(result.diagnostics[1].message == "invalid UTF-8")
        #expect(result.diagnostics[2].message == "line longer than 4096 bytes; skipped")
        #expect(result.diagnostics[3].description.hasPrefix("\(file):6:"))
        #expect(result.diagnostics[3].message.hasPrefix("flow.verdict: expected an enum name or number, found an object"))
    }

    @Test func anIncompleteLastLineIsLeftForTheNextRun() throws {
        let full = FlowLines.flow(uuid: FlowLines.uuid(2))
        let file = try directory.write("a.jsonl", lines(1...1) + String(full.prefix(100)))
        let first = try ingest([.file(file)], into: database)
        #expect(first.summary.ingested == 1)
        #expect(first.summary.skipped == 0)
        #expect(first.diagnostics.contains { $0.severity == .note && $0.line == 2 })
        try directory.append("a.jsonl", String(full.dropFirst(100)) + "\n")
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.ingested == 1)
        #expect(try storedFlows(database).count == 2)
    }

    @Test func aCompleteLastLineWithoutNewlineIsTaken() throws {
        let file = try directory.write("a.jsonl", lines(1...1) + FlowLines.flow(uuid: FlowLines.uuid(2)))
        let result = try ingest([.file(file)], into: database)
        #expect(result.summary.ingested == 2)
        let again = try ingest([.file(file)], into: database)
        #expect(again.summary.lines == 0)
    }

    @Test func recordsThatAreNotFlowsAreCountedNotStored() throws {
        let text = """
            {"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"7","cpu":1},"node_name":"n1","time":"2026-11-20T10:00:00Z"}
            {"node_status":{"state_change":"NODE_CONNECTED","node_names":["n1"]},"time":"2026-11-20T10:00:00Z"}
            {"agent_event":{"type":"POLICY_UPDATED"},"node_name":"n1","time":"2026-11-20T10:00:00Z"}
            {"debug_event":{"type":"DBG_GENERIC"},"node_name":"n1","time":"2026-11-20T10:00:00Z"}

            """ + lines(1...1)
        let file = try directory.write("a.jsonl", text)
        let result = try ingest([.file(file)], into: database)
        #expect(result.summary.ingested == 1)
        #expect(result.summary.nonFlowRecords == 4)
        let store = try SQLiteFlowStore(path: database)
        #expect(try store.lostEventCount(since: nil, until: nil) == 7)
        let stats = try store.statistics()
        #expect(stats.nonFlowRecords == [.nodeStatus: 1, .agentEvent: 1, .debugEvent: 1])
        #expect(stats.flows == 1)
    }

    @Test func containerLogPrefixesAndCarriageReturnsAndBlankLinesAreHandled() throws {
        let text = "2026-11-20T10:00:00.123456789Z stdout F " + FlowLines.flow(uuid: FlowLines.uuid(1)) + "\r\n\n   \n"
            + FlowLines.flow(uuid: FlowLines.uuid(2)) + "\r\n"
        let file = try directory.write("a.jsonl", text)
        let result = try ingest([.file(file)], into: database)
        #expect(result.summary.ingested == 2)
        #expect(result.summary.skipped == 0)
    }

    @Test func theSampleCaptureIsIngestedWithItsThreeMalformedLinesSkipped() throws {
        let result = try ingest([.file(sampleFlowsPath)], into: database)
        #expect(result.summary.ingested == 3499)
        #expect(result.summary.skipped == 3)
        #expect(result.summary.nonFlowRecords == 2)
        #expect(result.diagnostics.filter { $0.severity == .warning }.map(\.line) == [512, 1777, 2999])
    }

    @Test func followReadsAGrowingAndRotatingFileUntilStopped() throws {
        let file = try directory.write("live.jsonl", lines(1...2))
        let stop = StopFlag()
        let finished = DispatchSemaphore(value: 0)
        let database = self.database
        let outcome = ResultBox()
        Thread.detachNewThread {
            do {
                var options = IngestOptions()
                options.follow = true
                options.pollInterval = 0.02
                let store = try SQLiteFlowStore(path: database)
                let summary = try Ingestor(store: store, options: options, diagnostics: { _ in },
                                           shouldStop: { stop.isSet }).run([.file(file)])
                outcome.set(.success(summary.ingested))
            } catch {
                outcome.set(.failure(error))
            }
            finished.signal()
        }
        try waitUntil { try storedFlows(database).count == 2 }
        try directory.append("live.jsonl", lines(3...4))
        try waitUntil { try storedFlows(database).count == 4 }
        // Written just before the rotation: read from the old file after the rename is noticed, or before.
        try directory.append("live.jsonl", lines(5...5))
        try FileManager.default.moveItem(atPath: file, toPath: directory.path("live.jsonl.1"))
        try directory.write("live.jsonl", lines(6...7))
        try waitUntil { try storedFlows(database).count == 7 }
        stop.set()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(try outcome.get() == 7)
    }
}

@Suite struct LegacyRecordTests {
    @Test func aBareLegacyLostEventIsALostEvent() throws {
        var decoder = FlowDecoder()
        let record = try decoder.decode(#"{"source":"PERF_EVENT_RING_BUFFER","num_events_lost":"4","cpu":2}"#)
        guard case .lostEvents(let lost) = record else {
            Issue.record("expected a lost event, got \(record)")
            return
        }
        #expect(lost.source == "PERF_EVENT_RING_BUFFER")
        #expect(lost.count == 4)
        #expect(lost.cpu == 2)
    }
}

@Suite struct RotationWhileStoppedTests {
    @Test func linesLeftInARotatedFileAreReadBeforeTheNewFile() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let file = try directory.write("a.jsonl", (1...3).map { FlowLines.flow(uuid: nil, time: "2026-11-20T10:00:0\($0)Z") + "\n" }.joined())
        _ = try ingest([.file(file)], into: database)
        // While flowlog is not running, the writer adds two lines, then the file is rotated.
        try directory.append("a.jsonl", (4...5).map { FlowLines.flow(uuid: nil, time: "2026-11-20T10:00:0\($0)Z") + "\n" }.joined())
        try FileManager.default.moveItem(atPath: file, toPath: directory.path("a.jsonl.1"))
        try directory.write("a.jsonl", FlowLines.flow(uuid: nil, time: "2026-11-20T10:00:06Z") + "\n")
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.ingested == 3)
        #expect(second.diagnostics.contains { $0.message.hasPrefix("rotated since last read; finishing the old file") })
        #expect(try storedFlows(database).map { $0.time.rfc3339(fractionDigits: 0) }
                == (1...6).map { "2026-11-20T10:00:0\($0)Z" })
        // And nothing is read twice on the next run.
        #expect(try ingest([.file(file)], into: database).summary.ingested == 0)
    }
}
