import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogModel

/// Lays out rows as aligned columns separated by two spaces; every cell is terminal-escaped.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) {
        self.header = header
    }

    public mutating func append(_ row: [String]) {
        rows.append(row.map(TextEscaping.terminal))
    }

    /// Writes the table; the last column is not padded.
    public func write(to out: inout some TextOutputStream) {
        let widths = columnWidths()
        out.write(TextTable.line(header, widths: widths))
        for row in rows { out.write(TextTable.line(row, widths: widths)) }
    }

    /// The width of each column: its widest cell, header included.
    func columnWidths() -> [Int] {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return widths
    }

    /// One line of already escaped `cells`, each but the last padded to its width plus two
    /// spaces (a cell wider than its column still gets the two spaces).
    static func line(_ cells: [String], widths: [Int]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            if index == cells.count - 1 {
                text += cell
            } else {
                let width = index < widths.count ? widths[index] : cell.count
                text += cell + String(repeating: " ", count: max(0, width - cell.count) + 2)
            }
        }
        return text + "\n"
    }
}
