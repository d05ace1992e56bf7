/// The columns of one SELECT, in order: a case's raw value is its 0-based index in the result
/// row, and ``sql`` its expression in the SELECT list.
///
/// The SELECT list is generated from the cases (``selectList``), and rows are read by case
/// (``Row``), so the list and the indexes cannot drift apart. Cases take the default raw values
/// (0, 1, 2, … in declaration order); `SelectColumnsTests` checks that no one numbers them by hand.
protocol SelectColumns: CaseIterable, RawRepresentable where RawValue == Int32 {
    /// The column's expression in the SELECT list.
    var sql: String { get }
}

extension SelectColumns {
    /// The SELECT list: every column's expression, in index order.
    static var selectList: String { selectList(\.sql) }

    /// A SELECT list of other expressions for the same columns (the same row read from another
    /// table), in index order.
    static func selectList(_ expression: (Self) -> String) -> String {
        allCases.map(expression).joined(separator: ", ")
    }

    /// The 1-based parameter index for binding this column's value in an `INSERT (list) VALUES (?, …)`
    /// written with ``selectList``.
    var parameter: Int32 { rawValue + 1 }
}

/// The current row of a statement whose result columns are `Column`, read by column rather
/// than by position. It is a view of the statement: read it before the next `step()`.
struct Row<Column: SelectColumns> {
    let statement: Statement

    init(_ statement: Statement, _: Column.Type = Column.self) {
        self.statement = statement
    }

    @inline(__always) func int64(_ column: Column) -> Int64 { statement.int64(column.rawValue) }
    @inline(__always) func int32(_ column: Column) -> Int32 { Int32(truncatingIfNeeded: statement.int64(column.rawValue)) }
    @inline(__always) func isNull(_ column: Column) -> Bool { statement.isNull(column.rawValue) }
    @inline(__always) func string(_ column: Column) -> String { statement.string(column.rawValue) }
    @inline(__always) func blob(_ column: Column) -> [UInt8]? { statement.blob(column.rawValue) }
}
