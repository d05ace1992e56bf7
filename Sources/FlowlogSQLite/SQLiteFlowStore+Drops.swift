import Synchronization
import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drop counts keyed by endpoint ids, protocol, port and reason, before endpoints are resolved.
struct DropTotals {
    struct Key: Hashable {
        var source: Int64, destination: Int64, proto: Int64, port: Int64, reason: Int64
    }

    var totals: [Key: (count: Int64, first: Int64, last: Int64)] = [:]

    /// - Throws: ``StoreError`` (`.outOfRange`) when counts read from the database overflow.
    mutating func add(_ key: Key, count: Int64, first: Int64, last: Int64, path: String?) throws(StoreError) {
        if let existing = totals[key] {
            totals[key] = (try existing.count.addingChecked(count, "drop counts", path: path),
                           min(existing.first, first), max(existing.last, last))
        } else {
            totals[key] = (count, first, last)
        }
    }

    mutating func merge(_ other: DropTotals, path: String?) throws(StoreError) {
        for (key, value) in other.totals { try add(key, count: value.count, first: value.first, last: value.last, path: path) }
    }

    /// Runs `sql` (rows of ``DropColumn`` or, with `perFlow`, of ``DroppedFlowColumn``) on
    /// `connection` and adds its rows.
    mutating func scan(_ sql: String, _ conditions: SQLConditions, perFlow: Bool, on connection: SQLiteConnection) throws(StoreError) {
        let statement = try connection.prepare(sql)
        try conditions.bind(statement)
        if perFlow {
            let row = Row(statement, DroppedFlowColumn.self)
            while try statement.step() {
                let time = row.int64(.time)
                try add(Key(row), count: row.int64(.weight), first: time, last: time, path: connection.path)
            }
        } else {
            let row = Row(statement, DropColumn.self)
            while try statement.step() {
                try add(Key(row), count: row.int64(.count), first: row.int64(.firstTime), last: row.int64(.lastTime),
                        path: connection.path)
            }
        }
    }
}

/// Columns that start with a drop's key: endpoint ids, protocol, port and reason.
protocol DropKeyColumns: SelectColumns {
    static var source: Self { get }
    static var destination: Self { get }
    static var proto: Self { get }
    static var port: Self { get }
    static var reason: Self { get }
}

/// The columns of a grouped drop row (the drop rollup with the window's edge flows).
enum DropColumn: Int32, DropKeyColumns {
    case source, destination, proto, port, reason, count, firstTime, lastTime

    var sql: String {
        switch self {
        case .source: "source"
        case .destination: "destination"
        case .proto: "protocol"
        case .port: "port"
        case .reason: "drop_reason"
        case .count: "sum(count)"
        case .firstTime: "min(first_time)"
        case .lastTime: "max(last_time)"
        }
    }

    /// `GROUP BY` over the key columns (all before ``count``).
    static let groupBy = "GROUP BY " + (1...count.rawValue).map(String.init).joined(separator: ", ")
}

/// The columns of one dropped flow, read from the covering index of dropped flows.
enum DroppedFlowColumn: Int32, DropKeyColumns {
    case source, destination, proto, port, reason, time, weight

    var sql: String {
        switch self {
        case .source: "source"
        case .destination: "destination"
        case .proto: "protocol"
        case .port: SQLRules.connectionPort
        case .reason: "drop_reason"
        case .time: "time"
        case .weight: "weight"
        }
    }
}

extension DropTotals.Key {
    init<Column: DropKeyColumns>(_ row: Row<Column>) {
        self.init(source: row.int64(.source), destination: row.int64(.destination), proto: row.int64(.proto),
                  port: row.int64(.port), reason: row.int64(.reason))
    }
}

extension SQLiteFlowStore {
    public func dropCounts(matching query: FlowQuery) throws -> [DropCount] {
        var totals = DropTotals()
        if query.isServedByDropRollup && query.ports.isEmpty {
            let (sql, conditions) = try rollupDropQuery(query)
            try totals.scan(sql, conditions, perFlow: false, on: connection)
        } else {
            if !query.verdicts.isEmpty && !query.verdicts.contains(.dropped) { return [] }
            totals = try scanDroppedFlows(query)
        }
        var result: [DropCount] = []
        result.reserveCapacity(totals.totals.count)
        for (key, value) in totals.totals {
            result.append(DropCount(
                source: try endpoint(key.source), destination: try endpoint(key.destination),
                proto: L4Protocol(rawValue: Int32(truncatingIfNeeded: key.proto)) ?? .none,
                port: UInt16(truncatingIfNeeded: key.port), reason: DropReason(rawValue: Int32(truncatingIfNeeded: key.reason)),
                count: value.count, firstSeen: Timestamp(rawValue: value.first), lastSeen: Timestamp(rawValue: value.last)))
        }
        return result
    }

    /// Drops for filters the rollup cannot answer, read from the covering index of dropped flows,
    /// one row per drop and grouped in memory (several times faster than SQLite's sorter for the
    /// hundreds of thousands of rows an ad hoc filter can match). A file database is scanned in
    /// two halves of its time range on two connections at once.
    private func scanDroppedFlows(_ query: FlowQuery) throws -> DropTotals {
        var restricted = query
        restricted.verdicts = []
        func statement(for part: FlowQuery) throws(StoreError) -> (String, SQLConditions) {
            var conditions = SQLConditions()
            try flowConditions(part, into: &conditions)
            return ("""
                SELECT \(DroppedFlowColumn.selectList) FROM flows INDEXED BY flows_drops
                WHERE \(SQLRules.countsAsDrop) AND \(conditions.whereClause)
                """, conditions)
        }
        let bounds = try connection.prepare(
            "SELECT min(time), max(time) FROM flows INDEXED BY flows_drops WHERE verdict = \(Verdict.dropped.code)")
        guard path != ":memory:", try bounds.step(), !bounds.isNull(0) else {
            var totals = DropTotals()
            let (sql, conditions) = try statement(for: restricted)
            try totals.scan(sql, conditions, perFlow: true, on: connection)
            return totals
        }
        let low = max(bounds.int64(0), restricted.since?.rawValue ?? Int64.min)
        let high = min(bounds.int64(1), restricted.until?.rawValue ?? Int64.max)
        // `high` is the last drop's time (inclusive) or `until` (exclusive); equal bounds can
        // still hold one drop, which the query's own conditions keep or leave out.
        guard low <= high else { return DropTotals() }
        // Times may span 1677 to 2262, more than Int64 holds as a difference; as UInt64 the
        // difference is exact (high >= low), and half of it fits.
        let middle = low + Int64(UInt64(bitPattern: high &- low) / 2)
        var first = restricted
        first.until = Timestamp(rawValue: middle)
        var second = restricted
        second.since = Timestamp(rawValue: middle)
        let parts = [try statement(for: first), try statement(for: second)]
        let results = ParallelScan(count: parts.count)
        let path = self.path
        let workers = parts.enumerated().map { index, part in
            WorkerThread {
                do {
                    let reader = try SQLiteConnection(path: path, readOnly: true)
                    try reader.setBusyTimeout(milliseconds: 15_000)
                    var totals = DropTotals()
                    try totals.scan(part.0, part.1, perFlow: true, on: reader)
                    results.set(index, .success(totals))
                } catch {
                    results.set(index, .failure(error))
                }
            }
        }
        var started: [WorkerThread] = []
        for worker in workers {
            if worker.start() { started.append(worker) } else { throw StoreError(kind: .file, message: "cannot start a reader thread", path: path) }
        }
        for worker in started { worker.join() }
        var totals = DropTotals()
        for result in results.all() { try totals.merge(try result.get(), path: path) }
        return totals
    }
}

/// Results of the parallel halves, filled by the reader threads.
private final class ParallelScan: Sendable {
    private let results: Mutex<[Result<DropTotals, any Error>]>

    init(count: Int) {
        results = Mutex(Array(repeating: .success(DropTotals()), count: count))
    }

    func set(_ index: Int, _ result: Result<DropTotals, any Error>) {
        results.withLock { $0[index] = result }
    }

    func all() -> [Result<DropTotals, any Error>] {
        results.withLock { $0 }
    }
}
