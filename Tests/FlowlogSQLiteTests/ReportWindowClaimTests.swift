import Foundation
import Synchronization
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// `report --window last-report` claims its window with a compare-and-set on the marker, so
/// concurrent runs never get the same or overlapping windows and the marker never moves
/// backwards (issue #14). What one connection sees is the store contract's (`ReportMarkerContract`);
/// this suite keeps what only a file shared by several connections shows.
@Suite struct ReportWindowClaimTests {
    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("flows.db")
        _ = try SQLiteFlowStore(path: database)
    }

    @Test func concurrentClaimsFromSeparateConnectionsNeverOverlap() throws {
        let threads = 4
        let claimsPerThread = 40
        let results = ClaimLog()
        let database = self.database
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            do {
                let store = try SQLiteFlowStore(path: database)
                for index in 0..<claimsPerThread {
                    // Ends interleave across threads and sometimes lie behind the marker.
                    let until = Timestamp(rawValue: Int64(1_000 + index * 10 + thread * 7))
                    results.append(.success(try store.claimReportWindow(name: "default", until: until, firstStart: Timestamp(rawValue: 0))))
                }
            } catch {
                results.append(.failure(error))
            }
        }
        let claims = try results.all().map { try $0.get() }
        #expect(claims.count == threads * claimsPerThread)
        let windows = claims.filter { !$0.isEmpty }.sorted { $0.since < $1.since }
        #expect(windows.first?.since == Timestamp(rawValue: 0))
        for (earlier, later) in zip(windows, windows.dropFirst()) {
            #expect(earlier.until == later.since, "windows neither overlap nor leave a gap: \(earlier) then \(later)")
        }
        let highest = claims.map(\.until).max()
        #expect(windows.last?.until == highest)
        #expect(try SQLiteFlowStore(path: database).lastReportEnd(name: "default") == highest)
    }
}

/// Claims collected from the worker threads.
private final class ClaimLog: Sendable {
    private let results = Mutex<[Result<ReportWindowClaim, any Error>]>([])

    func append(_ result: Result<ReportWindowClaim, any Error>) { results.withLock { $0.append(result) } }
    func all() -> [Result<ReportWindowClaim, any Error>] { results.withLock { $0 } }
}
