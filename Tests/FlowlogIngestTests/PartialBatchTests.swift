import Testing
@testable import FlowlogStore
@testable import FlowlogIngest
import FlowlogTestSupport

/// Full batches go to the store marked partial (a store may gather them into larger writes);
/// the end of an input always hands over a batch that is not, even an empty one, so whatever a
/// store held is written before ingest says the input is done.
@Suite struct PartialBatchTests {
    @Test func fullBatchesArePartialAndTheEndOfAnInputCommits() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        // 30 lines in batches of 10: three full batches, the last one ending the file exactly.
        let file = try directory.write("a.jsonl", NumberedLines.text(0..<30))
        let store = try FailingStore(path: database, failAt: Int.max)
        var options = IngestOptions()
        options.batchSize = 10
        let summary = try Ingestor(store: store, options: options, diagnostics: { _ in }).run([.file(file)])
        #expect(summary.ingested == 30)
        #expect(store.partialFlags == [true, true, true, false])
        #expect(try NumberedLines.stored(database) == Array(0..<30))
    }

    @Test func anInputEndingMidBatchCommitsWithItsLastLines() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let file = try directory.write("a.jsonl", NumberedLines.text(0..<25))
        let store = try FailingStore(path: database, failAt: Int.max)
        var options = IngestOptions()
        options.batchSize = 10
        _ = try Ingestor(store: store, options: options, diagnostics: { _ in }).run([.file(file)])
        #expect(store.partialFlags == [true, true, false])
        #expect(try NumberedLines.stored(database) == Array(0..<25))
    }
}
