import FlowlogStore
/// SQL conditions with their bound values, built from a ``FlowQuery``.
struct SQLConditions: Sendable {
    enum Value: Sendable {
        case int(Int64)
        case text(String)
        case blob([UInt8])
    }

    private(set) var clauses: [String] = []
    private(set) var values: [Value] = []

    /// Adds a clause whose `?` placeholders take `values` in order.
    mutating func add(_ clause: String, _ newValues: [Value] = []) {
        clauses.append(clause)
        values.append(contentsOf: newValues)
    }

    /// Adds values for placeholders in SQL written elsewhere (a union of parts, each with its own
    /// conditions), in the order the placeholders appear.
    mutating func addValues(_ newValues: [Value]) {
        values.append(contentsOf: newValues)
    }

    var whereClause: String { clauses.isEmpty ? "1" : clauses.joined(separator: " AND ") }

    /// Binds the values starting at parameter `start`; returns the next free parameter index.
    @discardableResult
    func bind(_ statement: Statement, startingAt start: Int32 = 1) throws(StoreError) -> Int32 {
        var index = start
        for value in values {
            switch value {
            case .int(let number): try statement.bind(number, at: index)
            case .text(let text): try statement.bind(text, at: index)
            case .blob(let bytes): try statement.bind(bytes, at: index)
            }
            index += 1
        }
        return index
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
