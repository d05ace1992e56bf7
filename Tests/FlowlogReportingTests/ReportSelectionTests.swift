import Testing
@testable import FlowlogModel
import FlowlogStore
@testable import FlowlogReporting

/// A report's selection names its `last-report` marker: equal selections, however they were
/// typed, share one marker; different ones never do; the unfiltered one keeps the old name.
@Suite struct ReportSelectionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var namespaces: [String] = []
        var policies: [String] = []
        var workingDirectory = "/srv"
        var configure: @Sendable (inout FlowQuery) -> Void = { _ in }

        var selection: ReportSelection {
            var query = FlowQuery()
            query.either.namespaces = namespaces
            configure(&query)
            return ReportSelection(query: query, policyPaths: policies, workingDirectory: workingDirectory)
        }

        var testDescription: String { label }
    }

    /// Pairs that are the same selection: one marker.
    static let same: [(Case, Case)] = [
        (Case(label: "order of namespaces", namespaces: ["production", "staging"]),
         Case(label: "reversed", namespaces: ["staging", "production"])),
        (Case(label: "repeated namespace", namespaces: ["production", "production"]),
         Case(label: "once", namespaces: ["production"])),
        (Case(label: "relative policy path", policies: ["policies"], workingDirectory: "/srv/flowlog"),
         Case(label: "absolute", policies: ["/srv/flowlog/policies"])),
        (Case(label: "dot and dot-dot and slashes", policies: ["./a/../policies//"], workingDirectory: "/srv/flowlog"),
         Case(label: "clean", policies: ["/srv/flowlog/policies"])),
        (Case(label: "time bounds", configure: { $0.since = Timestamp(rawValue: 5); $0.until = Timestamp(rawValue: 9) }),
         Case(label: "no time bounds")),
        (Case(label: "ports in any order", configure: { $0.ports = [8080, 53, 443] }),
         Case(label: "sorted ports", configure: { $0.ports = [53, 443, 8080] })),
    ]

    /// Selections that must all have different markers.
    static let different: [Case] = [
        Case(label: "unfiltered"),
        Case(label: "production", namespaces: ["production"]),
        Case(label: "staging", namespaces: ["staging"]),
        Case(label: "both", namespaces: ["production", "staging"]),
        Case(label: "a name with a comma", namespaces: ["production,staging"]),
        Case(label: "policies", policies: ["/etc/policies"]),
        Case(label: "production with policies", namespaces: ["production"], policies: ["/etc/policies"]),
        Case(label: "source namespace", configure: { $0.source.namespaces = ["production"] }),
        Case(label: "destination namespace", configure: { $0.destination.namespaces = ["production"] }),
        Case(label: "verdict", configure: { $0.verdicts = [.dropped] }),
        Case(label: "port", configure: { $0.ports = [53] }),
        Case(label: "node", configure: { $0.nodes = ["production"] }),
    ]

    @Test(arguments: same)
    func equalSelectionsShareOneMarker(_ first: Case, _ second: Case) {
        #expect(first.selection.markerName == second.selection.markerName)
        #expect(first.selection.description == second.selection.description)
    }

    @Test func differentSelectionsHaveDifferentMarkers() {
        let names = Self.different.map { $0.selection.markerName }
        #expect(Set(names).count == names.count, "\(zip(Self.different.map(\.label), names).map { "\($0): \($1)" })")
        for name in names.dropFirst() {
            #expect(name.wholeMatch(of: /selection-[0-9a-f]{16}/) != nil, "\(name)")
        }
    }

    @Test func theUnfilteredSelectionKeepsTheNameOfTheOneMarkerDatabasesHadBefore() {
        let unfiltered = ReportSelection(query: FlowQuery())
        #expect(unfiltered.isUnfiltered)
        #expect(unfiltered.markerName == "default")
        #expect(unfiltered.description == "all flows")
    }

    @Test(arguments: [
        (Case(label: "namespaces", namespaces: ["staging", "production"]), "namespace production,staging"),
        (Case(label: "namespace and policies", namespaces: ["production"], policies: ["p", "-"]),
         "namespace production; policies -,/srv/p"),
        (Case(label: "sides and ports", configure: { $0.source.namespaces = ["a"]; $0.ports = [443, 53] }),
         "from-namespace a; port 53,443"),
    ])
    func theDescriptionListsTheConditionsInCanonicalOrder(_ selection: Case, _ expected: String) {
        #expect(selection.selection.description == expected)
    }

    @Test func theMarkerNameIsStableAcrossRuns() {
        // The name is stored in databases: it must not depend on the process (no seeded hash).
        #expect(Case(label: "production", namespaces: ["production"]).selection.markerName
                == "selection-" + Self.fnv1a("namespace\u{1F}production"))
    }

    /// FNV-1a 64 as 16 hex digits, written out here so the test does not reuse the code it checks.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
