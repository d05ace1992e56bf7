import Testing
@testable import FlowlogSQLite

/// Every typed row's columns are numbered by their place in the generated SELECT list, so a row
/// read by column name reads the expression of that name.
@Suite struct SelectColumnsTests {
    /// Each case's raw value (its index in the row) is its position in `allCases` (the order of
    /// the SELECT list): nobody numbered a case by hand.
    static func indexesFollowTheList<Column: SelectColumns>(_: Column.Type) -> Bool {
        Column.allCases.enumerated().allSatisfy { Int32($0.offset) == $0.element.rawValue }
    }

    @Test func flowColumnsAreNumberedInListOrder() {
        #expect(Self.indexesFollowTheList(SQLiteFlowStore.FlowColumn.self))
        #expect(SQLiteFlowStore.FlowColumn.allCases.count == 25)
    }

    @Test func otherRowsAreNumberedInListOrder() {
        #expect(Self.indexesFollowTheList(SQLiteFlowStore.EndpointColumn.self))
        #expect(Self.indexesFollowTheList(SQLiteFlowStore.CheckpointColumn.self))
        #expect(Self.indexesFollowTheList(SQLiteFlowStore.ConnectionColumn.self))
        #expect(Self.indexesFollowTheList(DropColumn.self))
        #expect(Self.indexesFollowTheList(DroppedFlowColumn.self))
    }

    @Test func selectListNamesTheFlowsColumns() {
        #expect(SQLiteFlowStore.FlowColumn.selectList == """
            time, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type, source_ip, destination_ip, \
            protocol, source_port, destination_port, tcp_flags, source, destination, traffic_direction, is_reply, \
            node, policy_match_type, trace_point, summary, policies, source_names, destination_names, weight
            """)
    }

    @Test func groupingCoversTheKeyColumns() {
        #expect(SQLiteFlowStore.ConnectionColumn.groupBy == "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11")
        #expect(DropColumn.groupBy == "GROUP BY 1, 2, 3, 4, 5")
    }

    @Test func rollupConnectionColumnsLineUpWithTheFlowColumns() {
        #expect(SQLiteFlowStore.ConnectionColumn.selectList(\.rollupSQL) == """
            source, destination, source_ip, destination_ip, protocol, port, connection_names, is_reply, verdict, \
            drop_reason, policy_verdict, sum(count), min(first_time), max(last_time)
            """)
    }
}
