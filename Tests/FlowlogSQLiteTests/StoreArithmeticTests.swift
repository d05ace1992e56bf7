import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// Times near the ends of 64-bit nanoseconds (1677 and 2262) and counts from a damaged database
/// give answers or clear errors, never an arithmetic trap (issue #14).
@Suite struct StoreArithmeticTests {
    let directory: TemporaryDirectory
    let store: SQLiteFlowStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try SQLiteFlowStore(path: directory.path("flows.db"))
    }

    /// Stores drops (one per time) whose times are set directly, beyond what RFC 3339 input reaches.
    func storeDrops(at times: [Int64]) throws {
        var decoder = FlowDecoder()
        var batch = IngestBatch()
        for (index, time) in times.enumerated() {
            guard case .flow(var flow) = try decoder.decode(FlowLines.flow(uuid: FlowLines.uuid(index + 1), drop: true)) else {
                Issue.record("the fixture is a flow")
                return
            }
            flow.time = Timestamp(rawValue: time)
            batch.flows.append(flow)
        }
        _ = try store.write(batch)
    }

    static let edges: [Int64] = [Int64.max, Int64.max - 1, Int64.max - 3_600_000_000_000, Int64.min + 1, Int64.min,
                                 Timestamp(rfc3339: "2262-04-11T23:30:00Z")!.rawValue,
                                 Timestamp(rfc3339: "1677-09-21T00:13:00Z")!.rawValue]

    @Test(arguments: edges)
    func pruneAtAnyCutKeepsTheRollupsExact(_ cut: Int64) throws {
        let times = [Int64.min + 1, -1, 0, 1_800_000_000_000_000_000, Int64.max - 61_000_000_000, Int64.max]
        try storeDrops(at: times)
        let result = try store.prune(before: Timestamp(rawValue: cut))
        let remaining = times.filter { $0 >= cut }
        #expect(result.flows == Int64(times.count - remaining.count))
        #expect(try store.flows(matching: FlowQuery(), last: nil).map(\.time.rawValue) == remaining)
        #expect(try store.dropCounts(matching: FlowQuery()).reduce(0) { $0 + $1.count } == Int64(remaining.count))
        #expect(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false).reduce(0) { $0 + $1.count }
                == Int64(remaining.count))
    }

    @Test(arguments: edges)
    func queriesFromAnyTimeCountWhatIsThere(_ since: Int64) throws {
        let times = [Int64.min + 1, 0, Int64.max - 1, Int64.max]
        try storeDrops(at: times)
        var query = FlowQuery()
        query.since = Timestamp(rawValue: since)
        let expected = Int64(times.filter { $0 >= since }.count)
        #expect(try store.dropCounts(matching: query).reduce(0) { $0 + $1.count } == expected)
        #expect(try store.connectionCounts(matching: query, withPodAddresses: false).reduce(0) { $0 + $1.count } == expected)
        #expect(try store.dropsPerHour(matching: query).values.reduce(0, +) == expected)
        query.nodes = ["node-*"]
        #expect(try store.dropCounts(matching: query).reduce(0) { $0 + $1.count } == expected, "the flows-only path")
    }

    @Test(arguments: [Int64(0), 60_000_000_000, 1_800_000_000_123_456_789, Int64.max, Int64.min])
    func anEmptyWindowAnswersNothing(_ time: Int64) throws {
        // What a `report --window last-report` run gets when another run already claimed up to now.
        try storeDrops(at: [time])
        var query = FlowQuery()
        query.since = Timestamp(rawValue: time)
        query.until = Timestamp(rawValue: time)
        #expect(try store.dropCounts(matching: query).isEmpty)
        #expect(try store.connectionCounts(matching: query, withPodAddresses: false).isEmpty)
        #expect(try store.dropsPerHour(matching: query).isEmpty)
        #expect(try store.lostEventCount(since: query.since, until: query.until) == 0)
    }

    @Test func dropsSpanningAllRepresentableTimeSplitWithoutOverflow() throws {
        // The flows-only drop scan halves the time range; from 1677 to 2262 the range exceeds Int64.
        try storeDrops(at: [Int64.min + 1, Int64.max - 1])
        var query = FlowQuery()
        query.nodes = ["node-1"]
        #expect(try store.dropCounts(matching: query).reduce(0) { $0 + $1.count } == 2)
    }

    @Test func damagedRollupCountsAreAnErrorNotATrap() throws {
        // Two minutes of one hour whose counts add up to more than 64 bits.
        try store.connection.execute("""
            INSERT INTO drop_rollup (minute, source, destination, protocol, port, drop_reason, count, first_time, last_time)
            VALUES (0, 1, 1, 6, 80, 133, 9223372036854775807, 0, 0), (1, 1, 1, 6, 80, 133, 9223372036854775807, 0, 0)
            """)
        #expect {
            _ = try store.dropsPerHour(matching: FlowQuery())
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .outOfRange && error.message.hasPrefix("drop counts in the database add up to more than 64 bits")
        }
    }

    @Test func aDamagedMinuteBeyondTheEndOfTimeFallsInTheLastHour() throws {
        // No nanosecond time has this minute: only a damaged rollup holds it.
        try store.connection.execute("""
            INSERT INTO drop_rollup (minute, source, destination, protocol, port, drop_reason, count, first_time, last_time)
            VALUES (9223372036854775806, 1, 1, 6, 80, 133, 5, 0, 0)
            """)
        let lastHour = try #require(Timestamp.periodStart(index: Int64.max.floorDiv(3_600_000_000_000), unitNanos: 3_600_000_000_000))
        #expect(try store.dropsPerHour(matching: FlowQuery()) == [lastHour: 5])
    }

    static let ceilings: [(Int64, Int64, Int64)] = [(7, 2, 4), (-7, 2, -3), (6, 2, 3), (Int64.max, 60, Int64.max / 60 + 1),
                                                   (Int64.min, 60, Int64.min / 60)]

    @Test(arguments: ceilings)
    func ceilDivRoundsUpWithoutOverflow(_ value: Int64, _ divisor: Int64, _ expected: Int64) {
        #expect(value.ceilDiv(divisor) == expected)
    }
}
