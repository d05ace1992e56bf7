import FlowlogModel
import FlowlogStore

/// The readable descriptions stored beside report markers (table `report_descriptions`): one
/// row per marker name, the newest (highest `updated`) winning.
extension ClickHouseFlowStore {
    /// The row key of `name`'s description (tag `D`, apart from the marker rows' `R`).
    private func descriptionKey(_ name: String) -> UInt64 { RecordKey.name(name, tag: UInt8(ascii: "D")) }

    public func describeReport(name: String, as description: String) throws {
        var rows = TabSeparatedWriter()
        rows.int(descriptionKey(name))
        rows.string(name)
        rows.string(description)
        rows.int(realTimeNanos())
        rows.endRow()
        try insert(into: "report_descriptions", columns: "key, name, description, updated", rows: rows)
    }

    public func reportDescription(name: String) throws -> String? {
        var result: String?
        try rows("""
            SELECT description FROM \(table("report_descriptions")) FINAL WHERE key = \(descriptionKey(name))
                AND name = \(ClickHouseEscaping.literal(name))
            """) { (reader: inout RowBinaryReader) throws(StoreError) in
            result = try reader.string()
        }
        return result
    }
}
