import FlowlogModel

/// The HTML report's drop graph: an inline SVG (drawn here, no Graphviz) with the sources in a left
/// column, the destinations in a right one and one curve per pair whose width grows with its drop
/// count. Two columns stay readable on a phone, where a wide layered graph would not.
enum ReportDropGraph {
    /// The most pairs drawn; the rest are counted under the graph.
    static let maximumEdges = 15

    private struct Node {
        var name: String
        var y: Double = 0
        var height: Double = 0
        var total: Int64 = 0
        /// Edge indices leaving (source column) or arriving (destination column), top to bottom.
        var edges: [Int] = []
    }

    private static let width = 480.0, boxWidth = 170.0, portSpacing = 22.0, nodeGap = 10.0, headerHeight = 22.0

    /// The graph of the largest ``maximumEdges`` pairs of `groups` (sorted largest first), or
    /// nil when there are none.
    static func svg(_ groups: [DropGroup]) -> String? {
        let edges = Array(groups.prefix(maximumEdges))
        guard !edges.isEmpty else { return nil }
        var sources = column(edges.map(\.source), counts: edges.map(\.count))
        var destinations = column(edges.map(\.destination), counts: edges.map(\.count))
        let sourceRow = Dictionary(uniqueKeysWithValues: sources.enumerated().map { ($0.element.name, $0.offset) })
        let destinationRow = Dictionary(uniqueKeysWithValues: destinations.enumerated().map { ($0.element.name, $0.offset) })
        for (index, edge) in edges.enumerated() {
            if let row = sourceRow[edge.source] { sources[row].edges.append(index) }
            if let row = destinationRow[edge.destination] { destinations[row].edges.append(index) }
        }
        // Each node's edges ordered by the row at their other end, so few of them cross near the boxes.
        for row in sources.indices {
            sources[row].edges.sort { (destinationRow[edges[$0].destination] ?? 0, $0) < (destinationRow[edges[$1].destination] ?? 0, $1) }
        }
        for row in destinations.indices {
            destinations[row].edges.sort { (sourceRow[edges[$0].source] ?? 0, $0) < (sourceRow[edges[$1].source] ?? 0, $1) }
        }
        let height = max(place(&sources), place(&destinations)) + 4
        let largest = max(edges.map(\.count).max() ?? 1, 1)

        var svg = HTMLText.svgOpening(width: width, height: height, naturalWidth: 640, label: "Drop graph")
        // Names are clipped to their boxes: a shortened name of wide characters can still be wider.
        svg += "<defs><clipPath id=\"drop-graph-from\"><rect x=\"0\" y=\"0\" width=\"\(HTMLText.number(boxWidth - 5))\" "
            + "height=\"\(HTMLText.number(height))\"/></clipPath><clipPath id=\"drop-graph-to\"><rect x=\"\(HTMLText.number(width - boxWidth))\" "
            + "y=\"0\" width=\"\(HTMLText.number(boxWidth - 5))\" height=\"\(HTMLText.number(height))\"/></clipPath></defs>\n"
        svg += "<text class=\"tick\" x=\"0\" y=\"14\">from</text>"
            + "<text class=\"tick\" x=\"\(HTMLText.number(width))\" y=\"14\" text-anchor=\"end\">to</text>\n"
        // Edges first, so the boxes and their names are drawn over the curves' ends.
        var starts: [Int: Double] = [:], ends: [Int: Double] = [:]
        for node in sources { for (slot, edge) in node.edges.enumerated() { starts[edge] = portY(node, slot) } }
        for node in destinations { for (slot, edge) in node.edges.enumerated() { ends[edge] = portY(node, slot) } }
        for (index, edge) in edges.enumerated() {
            let y1 = starts[index] ?? 0, y2 = ends[index] ?? 0
            let x1 = boxWidth, x2 = width - boxWidth, middle = (x1 + x2) / 2
            let stroke = 1.5 + 10.5 * HTMLText.fraction(edge.count, of: largest)
            let path = "M\(HTMLText.number(x1)),\(HTMLText.number(y1)) C\(HTMLText.number(middle)),\(HTMLText.number(y1)) "
                + "\(HTMLText.number(middle)),\(HTMLText.number(y2)) \(HTMLText.number(x2)),\(HTMLText.number(y2))"
            svg += "<g><title>\(TextEscaping.html("\(edge.source) → \(edge.destination)")): \(edge.count) drops</title>"
                + "<path class=\"edge\" d=\"\(path)\" stroke-width=\"\(HTMLText.number(stroke))\"/></g>\n"
        }
        // Counts after the edges, on a white halo, each beside its edge's start.
        for (index, edge) in edges.enumerated() {
            svg += "<text class=\"value halo\" x=\"\(HTMLText.number(boxWidth + 5))\" y=\"\(HTMLText.number((starts[index] ?? 0) + 4))\">\(edge.count)</text>\n"
        }
        for node in sources { svg += box(node, x: 0, clip: "drop-graph-from") }
        for node in destinations { svg += box(node, x: width - boxWidth, clip: "drop-graph-to") }
        return svg + "</svg>\n"
    }

    /// One node per distinct name, in order of first appearance (the pairs come largest first).
    private static func column(_ names: [String], counts: [Int64]) -> [Node] {
        var nodes: [Node] = []
        var row: [String: Int] = [:]
        for (name, count) in zip(names, counts) {
            if let existing = row[name] {
                nodes[existing].total = nodes[existing].total.saturatingAdd(count)
            } else {
                row[name] = nodes.count
                nodes.append(Node(name: name, total: count))
            }
        }
        return nodes
    }

    /// Gives each node its place and height (room for one port per edge); returns the column's height.
    private static func place(_ nodes: inout [Node]) -> Double {
        var y = headerHeight
        for index in nodes.indices {
            nodes[index].y = y
            nodes[index].height = max(28, Double(nodes[index].edges.count) * portSpacing + 6)
            y += nodes[index].height + nodeGap
        }
        return y - nodeGap
    }

    /// Where the `slot`th edge of `node` meets its box.
    private static func portY(_ node: Node, _ slot: Int) -> Double {
        let used = Double(node.edges.count - 1) * portSpacing
        return node.y + node.height / 2 - used / 2 + Double(slot) * portSpacing
    }

    private static func box(_ node: Node, x: Double, clip: String) -> String {
        "<g><title>\(TextEscaping.html(node.name)): \(node.total) drops</title>"
            + "<rect class=\"node\" x=\"\(HTMLText.number(x + 0.5))\" y=\"\(HTMLText.number(node.y))\" width=\"\(HTMLText.number(boxWidth - 1))\" "
            + "height=\"\(HTMLText.number(node.height))\" rx=\"4\"/>"
            + "<text x=\"\(HTMLText.number(x + 7))\" y=\"\(HTMLText.number(node.y + node.height / 2 + 4))\" clip-path=\"url(#\(clip))\">"
            + "\(TextEscaping.html(HTMLText.shortened(node.name, to: 23)))</text></g>\n"
    }
}
