import FlowlogModel
import FlowlogStore

extension SQLiteFlowStore {
    // MARK: - Report descriptions

    /// Stores `description` beside the marker of the report named `name` (table
    /// `report_descriptions`), replacing an earlier one; the marker itself is not touched.
    /// - Throws: ``StoreError``.
    public func describeReport(name: String, as description: String) throws {
        let statement = try connection.prepare("""
            INSERT INTO report_descriptions (name, description) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET description = excluded.description
            """)
        try statement.bind(name, at: 1)
        try statement.bind(description, at: 2)
        try statement.run()
    }

    /// The description stored for the report named `name`, nil when none was.
    /// - Throws: ``StoreError``.
    public func reportDescription(name: String) throws -> String? {
        let statement = try connection.prepare("SELECT description FROM report_descriptions WHERE name = ?")
        try statement.bind(name, at: 1)
        return try statement.step() ? statement.string(0) : nil
    }
}
