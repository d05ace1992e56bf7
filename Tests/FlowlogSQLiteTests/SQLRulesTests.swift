import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// The SQL forms of the model's rules give, row for row, what the Swift rules give: each is
/// evaluated by SQLite over a table holding every combination that matters.
@Suite struct SQLRulesTests {
    struct Row {
        var verdict: Verdict
        var eventType: Int32
        var proto: L4Protocol
        var isReply: Bool?
        var flow: Flow {
            var flow = Flow()
            flow.verdict = verdict
            flow.eventType = eventType
            flow.isReply = isReply
            flow.l4 = Layer4(proto: proto, sourcePort: 1111, destinationPort: 2222)
            return flow
        }
    }

    static let rows: [Row] = {
        var rows: [Row] = []
        let verdicts: [Verdict] = [.forwarded, .dropped, .error, .audit, .unknown(99)]
        let eventTypes: [Int32] = [CiliumEventType.drop, 4, CiliumEventType.policyVerdict, CiliumEventType.l7]
        for verdict in verdicts {
            for eventType in eventTypes {
                for proto in L4Protocol.allCases {
                    for isReply in [nil, false, true] as [Bool?] {
                        rows.append(Row(verdict: verdict, eventType: eventType, proto: proto, isReply: isReply))
                    }
                }
            }
        }
        return rows
    }()

    /// Evaluates `expression` over every row; the results in row order.
    func evaluate(_ expression: String) throws -> [Int64] {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("""
            CREATE TABLE flows (n INTEGER, verdict INTEGER, event_type INTEGER, protocol INTEGER, is_reply INTEGER,
                source_port INTEGER, destination_port INTEGER)
            """)
        let insert = try connection.prepare("INSERT INTO flows VALUES (?, ?, ?, ?, ?, ?, ?)")
        for (index, row) in SQLRulesTests.rows.enumerated() {
            let flow = row.flow
            try insert.bind(Int64(index), at: 1)
            try insert.bind(Int64(flow.verdict.code), at: 2)
            try insert.bind(Int64(flow.eventType), at: 3)
            try insert.bind(Int64(flow.l4.proto.rawValue), at: 4)
            try insert.bind(flow.isReply.map { $0 ? 1 : 0 }, at: 5)
            try insert.bind(Int64(flow.l4.sourcePort), at: 6)
            try insert.bind(Int64(flow.l4.destinationPort), at: 7)
            try insert.run()
        }
        let select = try connection.prepare("SELECT \(expression) FROM flows ORDER BY n")
        var values: [Int64] = []
        while try select.step() { values.append(select.int64(0)) }
        return values
    }

    @Test func countsAsDropInSQLIsTheSwiftRule() throws {
        let sql = try evaluate(SQLRules.countsAsDrop)
        let swift = SQLRulesTests.rows.map { $0.flow.countsAsDrop ? Int64(1) : 0 }
        #expect(sql == swift)
        #expect(swift.contains(1) && swift.contains(0))
    }

    @Test func connectionPortInSQLIsTheSwiftRule() throws {
        let sql = try evaluate(SQLRules.connectionPort)
        let swift = SQLRulesTests.rows.map { Int64($0.flow.connectionPort) }
        #expect(sql == swift)
        #expect(Set(swift) == [1111, 2222])
    }

    @Test func portBearingProtocolsInSQLAreTheSwiftList() throws {
        let sql = try evaluate("protocol IN (\(SQLRules.portBearingProtocols))")
        #expect(sql == SQLRulesTests.rows.map { $0.proto.hasPorts ? 1 : 0 })
    }
}
