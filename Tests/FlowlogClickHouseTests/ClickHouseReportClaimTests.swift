import Foundation
import Testing
import FlowlogModel
import FlowlogStore
@testable import FlowlogClickHouse

/// Report windows claimed through the append-only claims log.
struct ClickHouseReportClaimTests {
    typealias Row = ClickHouseFlowStore.ClaimRow

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var log: [Row]
        var claimant: UInt64?
        var won: Bool
        var holder: Row?
        var testDescription: String { name }
    }

    static func claim(_ claimant: UInt64, _ until: Int64) -> Row { Row(claimant: claimant, until: until, isRelease: false) }
    static func release(_ claimant: UInt64) -> Row { Row(claimant: claimant, until: 0, isRelease: true) }

    static let cases: [Case] = [
        Case(name: "alone, the first claim wins", log: [claim(1, 100)], claimant: 1, won: true, holder: claim(1, 100)),
        Case(name: "a later claim loses to the first", log: [claim(1, 100), claim(2, 200)], claimant: 2, won: false, holder: claim(1, 100)),
        Case(name: "the first claim still wins when read after a later one", log: [claim(1, 100), claim(2, 200)], claimant: 1,
             won: true, holder: claim(1, 100)),
        Case(name: "a released start goes to the next claim", log: [claim(1, 100), release(1), claim(2, 200)], claimant: 2,
             won: true, holder: claim(2, 200)),
        Case(name: "a claim made while held stays lost after the release",
             log: [claim(1, 100), claim(2, 200), release(1), claim(3, 300)], claimant: 2, won: false, holder: claim(1, 100)),
        Case(name: "after a release, a claim arriving later wins", log: [claim(1, 100), claim(2, 200), release(1), claim(3, 300)],
             claimant: 3, won: true, holder: claim(3, 300)),
        Case(name: "a release by someone else frees nothing", log: [claim(1, 100), release(2), claim(3, 300)], claimant: 3,
             won: false, holder: claim(1, 100)),
        Case(name: "the holder at the end of the log", log: [claim(1, 100), release(1), claim(4, 50)], claimant: nil,
             won: false, holder: claim(4, 50)),
        Case(name: "an empty log has no holder", log: [], claimant: nil, won: false, holder: nil),
    ]

    @Test(arguments: cases)
    func theFirstUnreleasedClaimHoldsTheStart(_ testCase: Case) {
        let outcome = ClickHouseFlowStore.claimOutcome(of: testCase.claimant, in: testCase.log)
        #expect(outcome.won == testCase.won)
        #expect(outcome.holder == testCase.holder)
    }

    /// Reports started together from separate processes (stores) get consecutive windows: no
    /// two overlap, and together they cover the time from the first start to the last end.
    @Test(.enabled(if: TestServer.isAvailable, TestServer.skipNote), arguments: [false, true])
    func concurrentClaimsNeverOverlap(withRelease: Bool) async throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        _ = try TestServer.store(database)
        let claims = try await withThrowingTaskGroup(of: [ReportWindowClaim].self) { group in
            for worker in 0..<6 {
                group.addTask {
                    let store = try TestServer.store(database)
                    var mine: [ReportWindowClaim] = []
                    for round in 0..<4 {
                        let until = Timestamp(rawValue: Int64(1_000 + round * 100 + worker * 7))
                        let claim = try store.claimReportWindow(name: "nightly", until: until, firstStart: Timestamp(rawValue: 0))
                        // Every third window is given back (a report that failed), where allowed.
                        if withRelease, (round + worker) % 3 == 0, try store.releaseReportWindow(claim) { continue }
                        mine.append(claim)
                    }
                    return mine
                }
            }
            var all: [ReportWindowClaim] = []
            for try await mine in group { all += mine }
            return all
        }
        let windows = claims.filter { !$0.isEmpty }.sorted { $0.since < $1.since }
        #expect(!windows.isEmpty)
        for (earlier, later) in zip(windows, windows.dropFirst()) {
            #expect(earlier.until <= later.since, "overlap: \(earlier) and \(later)")
        }
        if !withRelease {
            // Without give-backs the windows are contiguous from the first start on.
            #expect(windows.first?.since == Timestamp(rawValue: 0))
            for (earlier, later) in zip(windows, windows.dropFirst()) { #expect(earlier.until == later.since) }
            let end = try TestServer.store(database).lastReportEnd(name: "nightly")
            #expect(end == windows.last?.until)
        }
    }
}
