import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// A write that fails is rolled back whole, and the store forgets the ids it interned in it:
/// a later write of the same endpoints interns them again instead of pointing at rows that are gone.
@Suite struct WriteRollbackTests {
    @Test func idsInternedByAFailedWriteAreNotReused() throws {
        let store = try SQLiteFlowStore(path: ":memory:")
        let newcomer = Fixtures.pod("newcomer", namespace: "staging")
        var good = Fixtures.flow(time: Fixtures.baseSeconds + 1, source: newcomer)
        good.summary = "fine"
        var bad = Fixtures.flow(time: Fixtures.baseSeconds + 2, source: newcomer)
        bad.summary = "refused"
        // A trigger stands for any failure after the endpoint was interned in the transaction.
        try store.connection.execute("""
            CREATE TEMP TRIGGER refuse BEFORE INSERT ON flows
            WHEN (SELECT value FROM strings WHERE id = NEW.summary) = 'refused'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
            """)
        var failing = IngestBatch()
        failing.flows = [good, bad]
        #expect(throws: StoreError.self) { try store.write(failing) }
        #expect(try store.connection.scalarInt("SELECT count(*) FROM endpoints") == 0, "rolled back whole")

        var retry = IngestBatch()
        retry.flows = [good]
        #expect(try store.write(retry).inserted == 1)
        #expect(try store.flows(matching: FlowQuery(), last: nil) == [good])
    }
}
