import FlowlogModel
import FlowlogStore

/// What a periodic report covers apart from its time: the flows it selects (namespaces and
/// other filters) and the policies it replays them against.
///
/// `report --window last-report` keeps one marker per selection, so a `--namespace production`
/// report and an unfiltered one each cover their own windows. The selection is put in a
/// canonical form — one `name=values` condition per kind, values sorted and without repeats,
/// policy paths made absolute — whose hash names the marker, and whose text is stored beside it
/// for people to read. The order flags were given in, repeated values and `./` in a path do not
/// change the marker; the query's time bounds are not part of the selection.
public struct ReportSelection: Sendable, Hashable {
    /// The marker name of the unfiltered selection (every flow, no policies): the name the one
    /// marker of a database had before markers were kept per selection, so it carries on.
    public static let unfilteredMarkerName = "default"

    /// The selected flows (`since` and `until` are ignored).
    public var query: FlowQuery
    /// The policy files and directories, as absolute paths (`-` for standard input).
    public var policyPaths: [String]

    /// - Parameters:
    ///   - query: the report's filters.
    ///   - policyPaths: the `--policies` arguments; relative ones are read against
    ///     `workingDirectory` (an absolute path).
    public init(query: FlowQuery, policyPaths: [String] = [], workingDirectory: String = "/") {
        self.query = query
        self.policyPaths = policyPaths.map { Self.absolutePath($0, in: workingDirectory) }
    }

    /// The selection's conditions in canonical order: `(name, sorted distinct values)`, only the
    /// kinds that have values. Names follow the command-line flags.
    public var conditions: [(name: String, values: [String])] {
        func add(_ name: String, _ values: [String], to list: inout [(name: String, values: [String])]) {
            let distinct = Array(Set(values)).sorted()
            if !distinct.isEmpty { list.append((name, distinct)) }
        }
        func endpoint(_ filter: EndpointFilter, prefix: String, to list: inout [(name: String, values: [String])]) {
            add(prefix + "namespace", filter.namespaces, to: &list)
            add(prefix + "pod", filter.pods.map { $0.namespace + "/" + $0.namePrefix }, to: &list)
            add(prefix + "label", filter.labels.map(\.description), to: &list)
        }
        var list: [(name: String, values: [String])] = []
        endpoint(query.either, prefix: "", to: &list)
        endpoint(query.source, prefix: "from-", to: &list)
        endpoint(query.destination, prefix: "to-", to: &list)
        add("verdict", query.verdicts.map(\.name), to: &list)
        add("drop-reason", query.dropReasons.map(\.name), to: &list)
        add("protocol", query.protocols.map { $0.jsonKey.lowercased() }, to: &list)
        let ports = Array(Set(query.ports)).sorted()   // by number, not as text
        if !ports.isEmpty { list.append(("port", ports.map(String.init))) }
        add("from-ip", query.sourceIPs.map(\.description), to: &list)
        add("to-ip", query.destinationIPs.map(\.description), to: &list)
        add("node", query.nodes, to: &list)
        add("traffic-direction", query.trafficDirections.map(\.name), to: &list)
        add("policies", policyPaths, to: &list)
        return list
    }

    /// Whether the selection is every flow with no policies.
    public var isUnfiltered: Bool { conditions.isEmpty }

    /// The name of the selection's `last-report` marker: ``unfilteredMarkerName`` for the
    /// unfiltered selection, else `selection-` and 16 hex digits of the canonical text's hash.
    public var markerName: String {
        guard !isUnfiltered else { return Self.unfilteredMarkerName }
        // Unit and record separators cannot occur in flag values typed on a command line, so
        // no two selections have the same canonical text.
        let canonical = conditions.map { $0.name + "\u{1F}" + $0.values.joined(separator: "\u{1F}") }.joined(separator: "\u{1E}")
        let hash = UInt64(bitPattern: InputHead.hash(Array(canonical.utf8)))
        let hex = String(hash, radix: 16)
        return "selection-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The selection for people: `all flows`, or its conditions as
    /// `namespace production,staging; policies /etc/flowlog/policies`.
    public var description: String {
        guard !isUnfiltered else { return "all flows" }
        return conditions.map { $0.name + " " + $0.values.joined(separator: ",") }.joined(separator: "; ")
    }

    /// `path` made absolute against `directory`, without `.` and `..` components or repeated
    /// and trailing slashes (symbolic links are not resolved); `-` stays as it is.
    static func absolutePath(_ path: String, in directory: String) -> String {
        guard path != "-" else { return path }
        let full = path.hasPrefix("/") ? path : directory + "/" + path
        var components: [Substring] = []
        for component in full.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
